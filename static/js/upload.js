/* Upload progress for forms that send evidence files (佐证材料).
 *
 * A form marked data-upload-progress is sent by XMLHttpRequest when files are
 * chosen, so the bar in its .upload-progress element can show how much has gone;
 * the answer (the page after the redirect, or the form with its errors) then
 * replaces the page, as a normal submit would. Without JavaScript, or without
 * files, the form submits as usual. Loaded with <script src> (the CSP forbids
 * inline script); no library.
 */
(function () {
  "use strict";

  function hasFiles(form) {
    var inputs = form.querySelectorAll('input[type="file"]');
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].files && inputs[i].files.length) return true;
    }
    return false;
  }

  function show(doc, url) {
    // The server's answer becomes the page; its own script tags are not run again,
    // so bind the new forms here.
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    if (url && url !== window.location.href) window.history.replaceState(null, "", url);
    window.scrollTo(0, 0);
    bind(document);
  }

  function send(form, submitter) {
    var box = form.querySelector(".upload-progress");
    var bar = box && box.querySelector("progress");
    var text = box && box.querySelector(".upload-percent");
    var buttons = form.querySelectorAll('button[type="submit"]');
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.responseType = "document";
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable || !bar) return;
      var percent = Math.round((event.loaded / event.total) * 100);
      bar.value = percent;
      if (text) text.textContent = percent + "%";
    });
    xhr.addEventListener("load", function () {
      if (xhr.response && xhr.response.body) {
        show(xhr.response, xhr.responseURL);
      } else {
        window.location.reload();
      }
    });
    xhr.addEventListener("error", function () {
      // The network failed: send the form the ordinary way instead.
      form.removeAttribute("data-upload-progress");
      form.submit();
    });
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    if (box) box.hidden = false;
    xhr.send(data);
  }

  function bind(root) {
    var forms = root.querySelectorAll("form[data-upload-progress]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].addEventListener("submit", function (event) {
        var form = event.currentTarget;
        if (!window.FormData || !hasFiles(form)) return;
        event.preventDefault();
        send(form, event.submitter);
      });
    }
  }

  bind(document);
})();
