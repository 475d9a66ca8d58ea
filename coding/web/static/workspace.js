// The workspace's shared helpers: JSON requests, messages, the coder's name. No libraries.
"use strict";

async function api(method, url, body) {
  const options = {method, headers: {"Accept": "application/json"}, credentials: "same-origin"};
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  let data = null;
  if (response.status !== 204) {
    try { data = await response.json(); } catch (e) { data = null; }
  }
  if (!response.ok) {
    const message = (data && data.error) || (response.status + " " + response.statusText);
    toast(message, true);
    throw new Error(message);
  }
  return data;
}

function toast(message, bad) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;  // text, never HTML
  box.className = bad ? "show bad" : "show";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.className = ""; }, bad ? 6000 : 2500);
}

// Offsets are code points (as Python counts them), not UTF-16 units.
function codePoints(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function typing(event) {
  const t = event.target;
  return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("whoami");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = form.elements.coder.value.trim();
      if (!name) return;
      await api("POST", "/api/session", {coder: name});
      location.reload();
    });
  }
});
