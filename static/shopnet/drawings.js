/* Drawings: the upload queue (several files, drag and drop, camera, a progress bar per file)
 * and the tablet viewer (zoom, pan, next page). Bound through data- attributes; without
 * JavaScript the upload form posts as a plain multipart form and the viewer lists its pages. */
(function () {
  "use strict";

  // --- upload ----------------------------------------------------------------------------------

  function guess(name) {
    var stem = name.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "");
    var label = "";
    var m = stem.match(/[\s_\-]*rev\.?[\s_\-]*([0-9A-Za-z]{1,4})$/i);
    if (m && m.index > 0) { label = m[1].toUpperCase(); stem = stem.slice(0, m.index); }
    return { number: stem.replace(/^[\s_\-]+|[\s_\-]+$/g, "").slice(0, 100), label: label };
  }

  function setupUpload(form) {
    if (!window.FormData || !window.XMLHttpRequest) return;
    var queue = form.querySelector("[data-queue]");
    var zone = form.querySelector("[data-dropzone]");
    var single = form.querySelector("[data-single-fields]");
    var submit = form.querySelector("[data-upload-submit]");
    var items = [];
    var busy = false;
    var label = function (key) { return form.getAttribute("data-label-" + key) || key; };
    if (single) single.hidden = true;

    function add(files) {
      Array.prototype.forEach.call(files, function (file) {
        var g = guess(file.name);
        var li = document.createElement("li");
        li.innerHTML =
          '<span class="upload-name"></span>' +
          '<div class="upload-fields">' +
          '<label>' + label("number") + '<input type="text" maxlength="100" data-number></label>' +
          '<label>' + label("revision") + '<input type="text" maxlength="20" data-revision></label>' +
          '<button type="button" class="secondary" data-remove>' + label("remove") + "</button></div>" +
          '<progress max="100" value="0"></progress><span class="upload-state" role="status"></span>';
        li.querySelector(".upload-name").textContent = file.name + " (" + (file.size / 1048576).toFixed(1) + " MB)";
        li.querySelector("[data-number]").value = g.number;
        li.querySelector("[data-revision]").value = g.label;
        li.querySelector(".upload-state").textContent = label("waiting");
        var item = { file: file, li: li, state: "waiting" };
        li.querySelector("[data-remove]").addEventListener("click", function () {
          if (item.state === "sending") return;
          items.splice(items.indexOf(item), 1);
          li.remove();
        });
        items.push(item);
        queue.appendChild(li);
      });
    }

    form.querySelectorAll("[data-file-input]").forEach(function (input) {
      input.addEventListener("change", function () { add(input.files); input.value = ""; });
    });
    if (zone) {
      ["dragenter", "dragover"].forEach(function (type) {
        zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (type) {
        zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) { if (e.dataTransfer) add(e.dataTransfer.files); });
    }

    function send(item, done) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      data.append("files", item.file, item.file.name);
      data.append("number", item.li.querySelector("[data-number]").value);
      data.append("revision", item.li.querySelector("[data-revision]").value);
      form.querySelectorAll("input[name=steps]:checked").forEach(function (box) { data.append("steps", box.value); });
      var bar = item.li.querySelector("progress");
      var state = item.li.querySelector(".upload-state");
      item.state = "sending";
      state.className = "upload-state";
      state.textContent = label("sending");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        if (xhr.status === 200 && body && body.uploaded.length) {
          var r = body.uploaded[0];
          item.state = "done";
          bar.value = 100;
          state.className = "upload-state done";
          state.textContent = label("done") + ": " + r.number + " " + r.revision;
          item.li.querySelectorAll("input, button").forEach(function (el) { el.disabled = true; });
        } else {
          item.state = "failed";
          state.className = "upload-state failed";
          state.textContent = label("failed") + ": " + (body && body.errors.length
            ? body.errors.map(function (e) { return e.message; }).join(" ") : "HTTP " + xhr.status);
        }
        done();
      });
      xhr.addEventListener("error", function () {
        item.state = "failed";
        state.className = "upload-state failed";
        state.textContent = label("offline");
        done();
      });
      xhr.send(data);
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (busy) return;
      var todo = items.filter(function (i) { return i.state === "waiting" || i.state === "failed"; });
      if (!todo.length) return;
      busy = true;
      submit.disabled = true;
      var next = function () {
        var item = todo.shift();
        if (!item) { busy = false; submit.disabled = false; document.dispatchEvent(new CustomEvent("shopnet:drawings-uploaded")); return; }
        send(item, next);
      };
      next();
    });
  }

  // --- viewer ----------------------------------------------------------------------------------

  function setupViewer(root) {
    var pages = (root.getAttribute("data-pages") || "").split(" ").filter(Boolean);
    var stage = root.querySelector("[data-viewer-stage]");
    var img = root.querySelector("[data-viewer-image]");
    var status = root.querySelector("[data-viewer-status]");
    var index = 0, scale = 1, x = 0, y = 0, fitScale = 1;
    var pointers = {};

    function apply() {
      img.style.transform = "translate(" + x + "px," + y + "px) scale(" + scale + ")";
      status.textContent = (index + 1) + " / " + pages.length;
    }
    function fit() {
      var w = img.naturalWidth || 1, h = img.naturalHeight || 1;
      fitScale = Math.min(stage.clientWidth / w, stage.clientHeight / h);
      scale = fitScale;
      x = (stage.clientWidth - w * scale) / 2;
      y = (stage.clientHeight - h * scale) / 2;
      apply();
    }
    function zoom(factor, cx, cy) {
      var next = Math.min(Math.max(scale * factor, fitScale / 2), fitScale * 12);
      if (cx === undefined) { cx = stage.clientWidth / 2; cy = stage.clientHeight / 2; }
      x = cx - (cx - x) * (next / scale);
      y = cy - (cy - y) * (next / scale);
      scale = next;
      apply();
    }
    function show(i) {
      if (i < 0 || i >= pages.length) return;
      index = i;
      img.src = pages[i];
      apply();
    }
    img.addEventListener("load", fit);
    if (img.complete) fit();
    window.addEventListener("resize", fit);
    root.querySelector("[data-viewer-prev]").addEventListener("click", function () { show(index - 1); });
    root.querySelector("[data-viewer-next]").addEventListener("click", function () { show(index + 1); });
    root.querySelector("[data-viewer-in]").addEventListener("click", function () { zoom(1.5); });
    root.querySelector("[data-viewer-out]").addEventListener("click", function () { zoom(1 / 1.5); });
    root.querySelector("[data-viewer-fit]").addEventListener("click", fit);
    document.addEventListener("keydown", function (e) {
      if (e.key === "ArrowRight" || e.key === "PageDown") show(index + 1);
      else if (e.key === "ArrowLeft" || e.key === "PageUp") show(index - 1);
      else if (e.key === "+") zoom(1.5);
      else if (e.key === "-") zoom(1 / 1.5);
    });
    stage.addEventListener("wheel", function (e) {
      e.preventDefault();
      var r = stage.getBoundingClientRect();
      zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    stage.addEventListener("dblclick", function (e) {
      var r = stage.getBoundingClientRect();
      zoom(2, e.clientX - r.left, e.clientY - r.top);
    });
    // One finger (or a mouse) pans; two fingers pinch to zoom around their midpoint.
    stage.addEventListener("pointerdown", function (e) {
      stage.setPointerCapture(e.pointerId);
      pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
      stage.classList.add("dragging");
    });
    stage.addEventListener("pointermove", function (e) {
      var last = pointers[e.pointerId];
      if (!last) return;
      var ids = Object.keys(pointers);
      if (ids.length === 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
        var a2 = pointers[ids[0]], b2 = pointers[ids[1]];
        var before = Math.hypot(a.x - b.x, a.y - b.y), after = Math.hypot(a2.x - b2.x, a2.y - b2.y);
        var r = stage.getBoundingClientRect();
        if (before > 0) zoom(after / before, (a2.x + b2.x) / 2 - r.left, (a2.y + b2.y) / 2 - r.top);
        return;
      }
      x += e.clientX - last.x;
      y += e.clientY - last.y;
      pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
      apply();
    });
    function up(e) {
      delete pointers[e.pointerId];
      if (!Object.keys(pointers).length) stage.classList.remove("dragging");
    }
    stage.addEventListener("pointerup", up);
    stage.addEventListener("pointercancel", up);
    apply();
  }

  // --- the drawings section of the job page ---------------------------------------------------
  // Fetched by the page (the job page itself stays a fixed number of queries), and again after
  // each live refresh of the page (the section sits outside the live regions, so it keeps what it
  // shows until the new answer is there).

  function loadPanels() {
    document.querySelectorAll("[data-drawings-panel]").forEach(function (section) {
      var body = section.querySelector("[data-drawings-panel-body]");
      fetch(section.getAttribute("data-drawings-panel"), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
        .then(function (html) {
          // Unchanged drawings are left alone: their thumbnails do not flicker on each refresh.
          if (section.shopnetPanel !== html) {
            section.shopnetPanel = html;
            body.innerHTML = html;
          }
        })
        .catch(function () { /* the link to the drawings page stays */ })
        .then(function () {
          document.dispatchEvent(new CustomEvent("shopnet:drawings-loaded", { detail: { section: section } }));
        });
    });
  }

  function init() {
    document.querySelectorAll("form[data-drawing-upload]").forEach(setupUpload);
    document.querySelectorAll("[data-viewer]").forEach(setupViewer);
    loadPanels();
    document.addEventListener("shopnet:refreshed", loadPanels);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
