// Tables: a click on a number lists its segments with their quotes.
"use strict";

(function () {
  const table = document.getElementById("matrix");
  if (!table) return;
  const out = document.getElementById("segments");
  table.addEventListener("click", async (event) => {
    const cell = event.target.closest(".cell");
    if (!cell) return;
    const params = new URLSearchParams({code: cell.dataset.code, rollup: "1"});
    if (!cell.dataset.total) params.set("where." + table.dataset.col, cell.dataset.value);
    const rows = await api("GET", "/api/segments?" + params.toString());
    out.textContent = "";
    const h = document.createElement("h2");
    h.textContent = `${cell.dataset.code}${cell.dataset.total ? "" : " · " + cell.dataset.value}: ${rows.length} segment(s)`;
    const ol = document.createElement("ol");
    ol.className = "hits";
    for (const r of rows) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.className = "where";
      a.href = `/sources/${encodeURIComponent(r.source)}?at=${r.start}&end=${r.end}#o${r.start}`;
      a.textContent = `${r.source}${r.turn ? " #" + r.turn : ""}`;
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = ` ${r.speaker || ""} · ${r.coder}`;
      const q = document.createElement("div");
      q.className = "quote";
      q.textContent = r.text;
      li.append(a, who, q);
      ol.append(li);
    }
    out.append(h, ol);
    h.scrollIntoView({block: "start"});
  });
})();
