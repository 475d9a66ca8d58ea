// Review: accept (a) or reject (r) the proposal shown, or skip it (s).
"use strict";

(function () {
  const proposal = document.getElementById("proposal");
  if (!proposal) return;
  async function decide(decision) {
    await api("POST", "/api/reviews", {coding: Number(proposal.dataset.id), decision});
    toast(decision === "accept" ? "Accepted: now your coding" : "Rejected: it will not be proposed again");
    location.reload();
  }
  document.getElementById("accept").addEventListener("click", () => decide("accept"));
  document.getElementById("reject").addEventListener("click", () => decide("reject"));
  document.addEventListener("keydown", (event) => {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "a") decide("accept");
    else if (event.key === "r") decide("reject");
    else if (event.key === "s") location.href = document.getElementById("skip").href;
  });
})();
