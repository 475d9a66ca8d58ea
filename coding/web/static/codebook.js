// Codebook: memos on codes.
"use strict";

document.querySelectorAll(".code-memo").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await api("POST", "/api/memos", {code: form.dataset.code, text: form.elements.text.value});
    location.reload();
  });
});
