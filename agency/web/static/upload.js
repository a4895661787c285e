/* Material uploads on the approval page: several files, drag and drop, a progress bar per file.
   Without JavaScript the form posts to its page route (action); with it, each file goes to the JSON API
   (data-api) by XMLHttpRequest with the page's own bearer token (meta api-token), and the API's error
   `detail` is shown next to the file. No libraries, no CDN. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="api-token"]');
  if (!meta || !window.XMLHttpRequest || !window.FormData) { return; }
  var token = meta.getAttribute("content");

  // The API's messages end with an English aside for developers ("（type not accepted）"): not for the page.
  function chinese(detail) {
    return String(detail).replace(/\s*[（(][^（）()\u3400-\u9fff]*[A-Za-z]{3,}[^（）()\u3400-\u9fff]*[）)]/g, "");
  }

  function kb(size) { return (size / 1024).toFixed(1) + " KB"; }

  function uploadOne(form, file, list) {
    var row = document.createElement("div");
    row.className = "upload-row";
    var name = document.createElement("span");
    name.textContent = file.name + "（" + kb(file.size) + "）";
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", "上传进度：" + file.name);
    var msg = document.createElement("span");
    msg.className = "msg";
    msg.textContent = "正在上传…";
    row.appendChild(name); row.appendChild(bar); row.appendChild(msg);
    list.appendChild(row);

    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("data-api"));
    xhr.setRequestHeader("Authorization", "Bearer " + token);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
      if (xhr.status === 201 && body) {
        bar.value = 100;
        msg.className = "msg done";
        msg.textContent = "已上传：第 " + body.version + " 版，校验值 " + String(body.sha256).slice(0, 12) +
          "（刷新页面后显示在材料清单中）";
        row.setAttribute("data-done", "1");
      } else {
        msg.className = "msg error";
        var detail = body && body.detail ? chinese(body.detail) : "上传失败（状态码 " + xhr.status + "）";
        if (xhr.status === 401) { detail = "登录已过期，请刷新页面后重新登录。"; }
        msg.textContent = "✕ " + detail;
        row.setAttribute("data-error", "1");
      }
      finished(form);
    };
    xhr.onerror = function () {
      msg.className = "msg error";
      msg.textContent = "✕ 网络错误，上传未完成，请重试。";
      row.setAttribute("data-error", "1");
      finished(form);
    };
    var data = new FormData();
    data.append("file", file, file.name);
    form.pending = (form.pending || 0) + 1;
    xhr.send(data);
  }

  function finished(form) {
    form.pending -= 1;
    if (form.pending === 0) {
      var ok = form.querySelectorAll('.upload-row[data-done]').length;
      var status = form.querySelector(".uploads");
      status.setAttribute("data-complete", String(ok));
    }
  }

  function send(form, files) {
    var list = form.querySelector(".uploads");
    for (var i = 0; i < files.length; i++) { uploadOne(form, files[i], list); }
  }

  var forms = document.querySelectorAll("form.upload");
  Array.prototype.forEach.call(forms, function (form) {
    var input = form.querySelector('input[type="file"]');
    var zone = form.querySelector("[data-drop]");
    var button = form.querySelector("button.js-hide");
    if (button) { button.hidden = true; }  // a file chosen is sent at once
    form.addEventListener("submit", function (e) { e.preventDefault(); send(form, input.files); });
    input.addEventListener("change", function () {
      if (input.files.length) {
        send(form, input.files);
        input.value = "";
        input.dispatchEvent(new Event("change"));  // the chosen-files text (file-pick.js) reads 未选择文件 again
      }
    });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) { send(form, e.dataTransfer.files); }
    });
  });
})();
