// Search: code every hit with one code.
"use strict";

(function () {
  const form = document.getElementById("code-hits");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = form.elements.code.value;
    const result = await api("POST", "/api/search/code", {q: form.dataset.q, code});
    toast(`${result.new} new coding(s), ${result.already} already coded`);
    const box = document.getElementById("hit-count");
    box.textContent = `${box.textContent} · coded as ${code}: ${result.new} new, ${result.already} already coded`;
  });
})();
