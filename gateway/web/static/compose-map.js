// The compose page's map: predefined areas' outlines, and drawing a polygon or
// a circle into the form's text fields as CAP text. Without this script the
// fields stay plain text inputs. Settings come from the map's data- attributes.
(function () {
  "use strict";

  var box = document.getElementById("compose-map");
  var polygons = document.getElementById("field-polygons");
  var circles = document.getElementById("field-circles");
  var statusInputs = document.querySelectorAll('input[name="status"]');
  var banner = document.getElementById("drill-banner");

  function showDrillBanner() {
    var drill = false;
    statusInputs.forEach(function (input) {
      if (input.checked && input.value !== "Actual") { drill = true; }
    });
    if (banner) { banner.hidden = !drill; }
  }
  statusInputs.forEach(function (input) { input.addEventListener("change", showDrillBanner); });

  if (!box || !polygons || !circles || typeof L === "undefined") { return; }

  var data = box.dataset;
  box.hidden = false;
  var map = L.map(box, { attributionControl: Boolean(data.tiles) }).setView([-0.95, 100.35], 12);
  if (data.tiles) { L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map); }

  var mode = null;      // "polygon", "circle" or null
  var points = [];      // vertices of the polygon being drawn, [lat, lon]
  var centre = null;    // centre of the circle being drawn
  var sketch = L.layerGroup().addTo(map);
  var drawn = L.layerGroup().addTo(map);

  function number(value) { return Number(value.toFixed(5)); }
  function pointText(latlng) { return number(latlng[0]) + "," + number(latlng[1]); }

  function appendLine(field, text) {
    field.value = field.value.trim() ? field.value.trim() + "\n" + text : text;
    showTyped();
  }

  function redrawSketch() {
    sketch.clearLayers();
    if (points.length) {
      L.polyline(points, { dashArray: "4 4" }).addTo(sketch);
      points.forEach(function (p) { L.circleMarker(p, { radius: 4 }).addTo(sketch); });
    }
    if (centre) { L.circleMarker(centre, { radius: 5 }).addTo(sketch); }
  }

  function showTyped() {
    drawn.clearLayers();
    polygons.value.split("\n").forEach(function (line) {
      var ring = line.trim().split(/\s+/).map(function (pair) {
        var parts = pair.split(",");
        return [parseFloat(parts[0]), parseFloat(parts[1])];
      }).filter(function (p) { return !isNaN(p[0]) && !isNaN(p[1]); });
      if (ring.length >= 3) { L.polygon(ring, { color: "#b3261e" }).addTo(drawn); }
    });
    circles.value.split("\n").forEach(function (line) {
      var parts = line.trim().split(/\s+/);
      if (parts.length !== 2) { return; }
      var at = parts[0].split(",").map(parseFloat);
      var radius = parseFloat(parts[1]);
      if (at.length === 2 && !isNaN(at[0]) && !isNaN(at[1]) && !isNaN(radius)) {
        L.circle(at, { radius: radius * 1000, color: "#b3261e" }).addTo(drawn);
      }
    });
  }

  function choose(next) {
    mode = mode === next ? null : next;
    points = [];
    centre = null;
    redrawSketch();
    if (mode) { map.doubleClickZoom.disable(); } else { map.doubleClickZoom.enable(); }
    tools.polygon.setAttribute("aria-pressed", String(mode === "polygon"));
    tools.circle.setAttribute("aria-pressed", String(mode === "circle"));
  }

  function finish() {
    if (mode !== "polygon" || points.length < 3) { return; }
    var ring = points.concat([points[0]]);
    appendLine(polygons, ring.map(pointText).join(" "));
    choose(null);
  }

  function undo() {
    if (mode === "polygon") { points.pop(); }
    if (mode === "circle") { centre = null; }
    redrawSketch();
  }

  function clearAll() {
    polygons.value = "";
    circles.value = "";
    choose(null);
    showTyped();
  }

  map.on("click", function (event) {
    var at = [event.latlng.lat, event.latlng.lng];
    if (mode === "polygon") {
      points.push(at);
    } else if (mode === "circle" && !centre) {
      centre = at;
    } else if (mode === "circle") {
      var km = map.distance(centre, at) / 1000;
      appendLine(circles, pointText(centre) + " " + number(km));
      choose(null);
      return;
    }
    redrawSketch();
  });

  var toolbar = document.createElement("div");
  toolbar.className = "map-tools";
  var tools = {};
  [["polygon", data.labelPolygon, function () { choose("polygon"); }],
   ["circle", data.labelCircle, function () { choose("circle"); }],
   ["finish", data.labelFinish, finish],
   ["undo", data.labelUndo, undo],
   ["clear", data.labelClear, clearAll]].forEach(function (tool) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = tool[1];
    button.addEventListener("click", tool[2]);
    tools[tool[0]] = button;
    toolbar.appendChild(button);
  });
  tools.polygon.setAttribute("aria-pressed", "false");
  tools.circle.setAttribute("aria-pressed", "false");
  var help = document.createElement("p");
  help.className = "hint";
  help.textContent = data.labelHelp;
  box.parentNode.insertBefore(toolbar, box);
  box.parentNode.insertBefore(help, box);

  polygons.addEventListener("change", showTyped);
  circles.addEventListener("change", showTyped);
  showTyped();

  fetch(data.areas, { credentials: "same-origin" })
    .then(function (answer) { return answer.ok ? answer.json() : null; })
    .then(function (areas) {
      if (!areas || !areas.features.length) { return; }
      var outlines = L.geoJSON(areas, {
        style: { color: "#123f6b", weight: 1, fillOpacity: 0.05 },
        onEachFeature: function (feature, layer) { layer.bindTooltip(feature.properties.name); }
      }).addTo(map);
      map.fitBounds(outlines.getBounds());
    });
}());
