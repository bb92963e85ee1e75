// Show the message of a failed htmx request (the server sends the error as a fragment).
document.addEventListener("htmx:responseError", function (event) {
  var flash = document.getElementById("flash");
  if (flash) {
    flash.innerHTML = event.detail.xhr.responseText;
    flash.scrollIntoView({ block: "nearest" });
  }
});

// The print button of the printable record (no inline handlers: the CSP allows none).
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target && target.closest && target.closest("[data-print]")) {
    window.print();
  }
});
