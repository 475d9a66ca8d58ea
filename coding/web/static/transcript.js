// A transcript: select text, pick a code (click, type to filter + Enter, or 1-9 for recent codes),
// remove a coding, write memos, move between pages. Offsets are the project's character offsets.
"use strict";

(function () {
  const text = document.getElementById("text");
  if (!text) return;
  const source = text.dataset.source;
  const selectionBox = document.getElementById("selection");
  const filter = document.getElementById("code-filter");
  const list = document.getElementById("code-list");
  const recentBox = document.getElementById("recent");
  let current = null;  // {start, end, text}

  function offsetIn(block, node, offset) {
    const range = document.createRange();
    range.setStart(block, 0);
    range.setEnd(node, offset);
    return Number(block.dataset.start) + codePoints(range.toString());
  }

  function readSelection() {
    const sel = window.getSelection();
    if (!sel.rangeCount || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const blocks = Array.from(text.querySelectorAll(".t")).filter((t) => range.intersectsNode(t));
    if (!blocks.length) return null;
    const first = blocks[0], last = blocks[blocks.length - 1];
    let start = first.contains(range.startContainer) ? offsetIn(first, range.startContainer, range.startOffset)
                                                     : Number(first.dataset.start);
    let end = last.contains(range.endContainer) ? offsetIn(last, range.endContainer, range.endOffset)
                                                : Number(last.dataset.end);
    // leave out spaces and line breaks at either end (counted in the blocks' own text)
    const head = Array.from(first.textContent), headBase = Number(first.dataset.start);
    while (start < end && start - headBase < head.length && /\s/.test(head[start - headBase])) start++;
    const tail = Array.from(last.textContent), tailBase = Number(last.dataset.start);
    while (end > start && end - tailBase > 0 && /\s/.test(tail[end - tailBase - 1])) end--;
    const shown = first === last ? head.slice(start - headBase, end - headBase).join("") : range.toString().trim();
    if (end <= start) return null;
    return {start, end, text: shown};
  }

  document.addEventListener("selectionchange", () => {
    const span = readSelection();
    if (span) {
      current = span;
      const words = span.text.length > 160 ? span.text.slice(0, 160) + " …" : span.text;
      selectionBox.textContent = `${span.start}–${span.end}: “${words}”`;
      selectionBox.classList.add("active");
    }
  });

  function recent() {
    try { return JSON.parse(localStorage.getItem("coding.recent") || "[]"); } catch (e) { return []; }
  }

  function remember(code) {
    const codes = [code, ...recent().filter((c) => c !== code)].slice(0, 9);
    localStorage.setItem("coding.recent", JSON.stringify(codes));
  }

  function buttonFor(code) {
    return list.querySelector(`.code-btn[data-code="${CSS.escape(code)}"]`);
  }

  function showRecent() {
    recentBox.textContent = "";
    recent().forEach((code, k) => {
      const original = buttonFor(code);
      if (!original) return;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "recent-btn";
      b.dataset.code = code;
      const key = document.createElement("kbd");
      key.textContent = String(k + 1);
      const sw = document.createElement("span");
      sw.className = "sw";
      sw.style.background = original.dataset.color;
      b.append(key, sw, document.createTextNode(original.dataset.label));
      recentBox.append(b);
    });
  }

  async function apply(code) {
    if (!current) { toast("Select text in the transcript first", true); return; }
    const made = await api("POST", "/api/codings", {source, start: current.start, end: current.end, code});
    remember(code);
    sessionStorage.setItem("coding.scroll", String(window.scrollY));
    toast(`Coded ${made.start}–${made.end} as ${code}`);
    location.reload();
  }

  list.addEventListener("click", (event) => {
    const b = event.target.closest(".code-btn");
    if (b) apply(b.dataset.code);
  });
  recentBox.addEventListener("click", (event) => {
    const b = event.target.closest(".recent-btn");
    if (b) apply(b.dataset.code);
  });
  // keep the selection when a code button is pressed
  document.getElementById("picker").addEventListener("mousedown", (event) => {
    if (event.target.closest("button")) event.preventDefault();
  });

  filter.addEventListener("input", () => {
    const words = filter.value.trim().toLowerCase();
    list.querySelectorAll("li").forEach((li) => {
      li.hidden = words !== "" && !li.textContent.toLowerCase().includes(words);
    });
  });
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const first = Array.from(list.querySelectorAll("li")).find((li) => !li.hidden && !li.querySelector("button").disabled);
      if (first) apply(first.querySelector("button").dataset.code);
    } else if (event.key === "Escape") {
      filter.value = "";
      filter.dispatchEvent(new Event("input"));
      filter.blur();
    }
  });

  document.addEventListener("keydown", (event) => {
    if (typing(event) || event.ctrlKey || event.metaKey) return;
    if (event.key === "/") {
      event.preventDefault();
      filter.focus();
    } else if (/^[1-9]$/.test(event.key)) {
      const code = recent()[Number(event.key) - 1];
      if (code) { event.preventDefault(); apply(code); }
    } else if (event.key === "[" || event.key === "]") {
      const link = document.querySelector(event.key === "[" ? ".pager .prev" : ".pager .next");
      if (link) location.href = link.href;
    }
  });

  text.addEventListener("click", async (event) => {
    const rm = event.target.closest(".rm");
    if (rm) {
      await api("DELETE", `/api/codings/${rm.dataset.id}`);
      sessionStorage.setItem("coding.scroll", String(window.scrollY));
      location.reload();
      return;
    }
    const memo = event.target.closest(".memo-btn");
    if (memo) {
      const chip = memo.closest(".chip");
      if (chip.querySelector("form")) return;
      const form = document.createElement("form");
      form.className = "memo-form";
      const area = document.createElement("textarea");
      area.rows = 2;
      area.setAttribute("aria-label", "Memo on this coding");
      const save = document.createElement("button");
      save.textContent = "Save memo";
      form.append(area, save);
      chip.append(form);
      area.focus();
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        await api("POST", "/api/memos", {coding: Number(memo.dataset.id), text: area.value});
        sessionStorage.setItem("coding.scroll", String(window.scrollY));
        location.reload();
      });
    }
  });

  const sourceMemo = document.getElementById("source-memo");
  sourceMemo.addEventListener("submit", async (event) => {
    event.preventDefault();
    await api("POST", "/api/memos", {source, text: sourceMemo.elements.text.value});
    location.reload();
  });

  // a place to show (search hit, disagreement, proposal): highlighted and scrolled to
  function rangeAt(start, end) {
    const block = Array.from(text.querySelectorAll(".t")).find(
      (t) => Number(t.dataset.start) <= start && start < Number(t.dataset.end));
    if (!block) return null;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let at = Number(block.dataset.start), node, range = document.createRange(), begun = false;
    while ((node = walker.nextNode())) {
      let unitOffset = 0;
      for (const ch of node.data + "\u0000") {  // one step past the end of the node
        if (!begun && at === start) { range.setStart(node, unitOffset); begun = true; }
        if (begun && at === end) { range.setEnd(node, unitOffset); return {block, range}; }
        if (unitOffset === node.data.length) break;
        unitOffset += ch.length;
        at += 1;
      }
    }
    if (begun) range.setEnd(block, block.childNodes.length);
    return begun ? {block, range} : {block, range: null};
  }

  const mark = text.dataset.mark;
  if (mark !== undefined) {
    const found = rangeAt(Number(mark), Number(text.dataset.markEnd));
    if (found) {
      found.block.closest(".block").classList.add("target");
      if (found.range && window.CSS && CSS.highlights && window.Highlight) {
        CSS.highlights.set("place", new Highlight(found.range));
      }
      found.block.scrollIntoView({block: "center"});
    }
  } else {
    const kept = sessionStorage.getItem("coding.scroll");
    if (kept !== null) { window.scrollTo(0, Number(kept)); sessionStorage.removeItem("coding.scroll"); }
  }
  showRecent();
})();
