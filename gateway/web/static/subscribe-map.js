/* The subscribe page's point picker: tap the map, or use the device's
   location, to fill in the latitude and longitude fields. Only an
   enhancement: without script, Leaflet or a location the fields are typed. */
(function () {
  "use strict";

  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var box = document.getElementById("subscribe-map");
  var locate = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  if (!lat || !lon) {
    return;
  }
  var map = null;
  var marker = null;
  var CITY = [-0.95, 100.35];

  function say(name) {
    if (status && box) {
      status.textContent = box.getAttribute("data-" + name) || "";
    }
  }

  function typed() {
    var a = parseFloat(lat.value);
    var b = parseFloat(lon.value);
    return isFinite(a) && isFinite(b) ? [a, b] : null;
  }

  function show(point) {
    if (!map) {
      return;
    }
    if (marker) {
      marker.setLatLng(point);
    } else {
      marker = L.circleMarker(point, {
        radius: 9, color: "#fff", weight: 3, fillColor: "#7a1f1f", fillOpacity: 1
      }).addTo(map);
    }
    map.panTo(point);
  }

  function fill(a, b) {
    lat.value = a.toFixed(5);
    lon.value = b.toFixed(5);
    show([a, b]);
  }

  function drawAreas(outlines) {
    var layer = L.geoJSON(outlines, {
      style: { color: "#1d4f91", weight: 2, fillOpacity: 0.05 },
      onEachFeature: function (feature, part) {
        if (feature.properties && feature.properties.name) {
          part.bindTooltip(String(feature.properties.name));
        }
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid() && !typed()) {
      map.fitBounds(bounds, { padding: [8, 8] });
    }
  }

  function startMap() {
    if (!box || !window.L) {
      return;
    }
    box.hidden = false;
    box.setAttribute("role", "application");
    box.setAttribute("aria-label", box.getAttribute("data-label") || "");
    var tiles = box.getAttribute("data-tiles");
    map = L.map(box, { scrollWheelZoom: false, attributionControl: Boolean(tiles) });
    map.setView(typed() || CITY, 12);
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    }
    map.on("click", function (event) {
      fill(event.latlng.lat, event.latlng.lng);
    });
    if (typed()) {
      show(typed());
    }
    if (window.fetch) {
      fetch(box.getAttribute("data-areas"))
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (outlines) { if (outlines) { drawAreas(outlines); } })
        .catch(function () { return null; });
    }
  }

  function startLocate() {
    if (!locate || !navigator.geolocation) {
      return;
    }
    locate.hidden = false;
    locate.addEventListener("click", function () {
      say("locating");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          fill(position.coords.latitude, position.coords.longitude);
          say("located");
        },
        function () { say("unlocated"); },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  [lat, lon].forEach(function (field) {
    field.addEventListener("change", function () {
      var point = typed();
      if (point) {
        show(point);
      }
    });
  });
  startMap();
  startLocate();
})();
