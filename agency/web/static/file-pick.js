/* Every file input, in Chinese. The browser draws its own button and status for <input type="file"> in the
   browser's language ("Choose Files", "No file chosen" in an English Chromium) and no CSS can change those
   words. So the input is hidden visually — still in the tab order, still named by its own <label>, still the
   control a screen reader announces and a keyboard opens — and a button 选择文件 with the status
   未选择文件 / the names chosen is drawn beside it. No libraries, no inline handlers. */
(function () {
  "use strict";
  var count = 0;

  function chosenText(input) {
    var files = input.files;
    if (!files || !files.length) { return "未选择文件"; }
    if (files.length === 1) { return "已选择：" + files[0].name; }
    return "已选择 " + files.length + " 个文件";
  }

  Array.prototype.forEach.call(document.querySelectorAll('input[type="file"]'), function (input) {
    if (input.classList.contains("file-native")) { return; }
    count += 1;
    var button = document.createElement("span");
    button.className = "button file-button";
    button.setAttribute("aria-hidden", "true");  // the input itself is the control; its label names it
    button.textContent = "选择文件";
    var status = document.createElement("span");
    status.className = "file-chosen";
    status.id = (input.id || "file-input-" + count) + "-chosen";
    status.textContent = chosenText(input);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? described + " " + status.id : status.id);
    input.classList.add("file-native");
    input.title = status.textContent;  // Chromium's own hover tooltip would say "No file chosen"
    input.insertAdjacentElement("afterend", status);
    input.insertAdjacentElement("afterend", button);
    button.addEventListener("click", function (event) { event.preventDefault(); input.click(); });
    input.addEventListener("change", function () {
      status.textContent = chosenText(input);
      input.title = status.textContent;
    });
    // upload.js sends the chosen files at once and empties the input: the status follows.
    input.form && input.form.addEventListener("reset", function () {
      setTimeout(function () { status.textContent = chosenText(input); }, 0);
    });
  });
})();
