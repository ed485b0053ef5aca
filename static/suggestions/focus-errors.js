// Move the focus to the error summary, so that keyboard and screen reader users
// hear what went wrong first. Without JavaScript the summary is still the first
// thing after the heading, and announced as an alert.
(function () {
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
