// Shows the query string the edge redirect preserved. textContent only: the
// value is untrusted input.
document.addEventListener("DOMContentLoaded", () => {
  const params = new URLSearchParams(window.location.search);
  const out = document.getElementById("query");
  const name = params.get("name");
  if (name) out.textContent = "name = " + name;
});
