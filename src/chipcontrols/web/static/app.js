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

// A file chosen for a form is read here and put into the text field it names
// (data-fill="<id>"): the page posts text, never a file upload.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input || !input.matches || !input.matches("input[type=file][data-fill]")) {
    return;
  }
  var target = document.getElementById(input.getAttribute("data-fill"));
  var file = input.files && input.files[0];
  if (!target || !file) {
    return;
  }
  var max = parseInt(input.getAttribute("data-max") || "900000", 10);
  if (file.size > max) {
    target.value = "";
    window.alert(
      "The file is larger than " + Math.round(max / 1000) + " kB: split it, or paste part of it."
    );
    return;
  }
  var named = document.getElementById(input.getAttribute("data-fill-name") || "");
  if (named) {
    named.value = file.name;
  }
  var reader = new FileReader();
  reader.onload = function () {
    target.value = String(reader.result || "");
    target.dispatchEvent(new Event("input", { bubbles: true }));
  };
  reader.readAsText(file);
});

// When a line or party of a form is removed, the keyboard focus goes to the element the
// button names (data-focus-after), not back to the top of the page. (Before the swap: the
// button goes away with its line.)
document.addEventListener("htmx:beforeSwap", function (event) {
  var config = event.detail && event.detail.requestConfig;
  var source = config && config.elt;
  var selector = source && source.getAttribute && source.getAttribute("data-focus-after");
  if (selector) {
    var next = document.querySelector(selector);
    if (next) {
      next.focus();
    }
  }
});
