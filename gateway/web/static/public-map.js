/* The alert page's map: the alert area, its shelters and evacuation routes,
   drawn from the page's shelters.geojson with Leaflet. Only an enhancement:
   the page lists the same places as text, and the map stays hidden when
   Leaflet, fetch or the file is missing. No tiles are loaded. */
(function () {
  "use strict";

  var box = document.getElementById("map");
  if (!box || !window.L || !window.fetch) {
    return;
  }

  var styles = {
    area: { color: "#7a1f1f", weight: 2, fillOpacity: 0.15 },
    route: { color: "#0b5d1e", weight: 4, dashArray: "6 4" }
  };

  function drawPoint(feature, latlng) {
    var props = feature.properties || {};
    if (props.kind === "area") {
      return L.circle(latlng, { radius: (props.radiusKm || 0) * 1000 });
    }
    return L.circleMarker(latlng, {
      radius: 8, color: "#fff", weight: 2, fillColor: "#1d4f91", fillOpacity: 1
    });
  }

  function label(feature, layer) {
    var props = feature.properties || {};
    if (props.name) {
      layer.bindTooltip(String(props.name));
    }
  }

  function draw(collection) {
    box.hidden = false;
    box.setAttribute("role", "img");
    box.setAttribute("aria-label", box.getAttribute("data-label") || "");
    var map = L.map(box, { scrollWheelZoom: false, attributionControl: false });
    var layer = L.geoJSON(collection, {
      style: function (feature) {
        return styles[(feature.properties || {}).kind] || styles.area;
      },
      pointToLayer: drawPoint,
      onEachFeature: label
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12] });
    } else {
      box.hidden = true;
    }
  }

  fetch(box.getAttribute("data-geojson"), { headers: { Accept: "application/geo+json" } })
    .then(function (answer) {
      if (!answer.ok) {
        throw new Error("shelters file answered " + answer.status);
      }
      return answer.json();
    })
    .then(draw)
    .catch(function () {
      box.hidden = true;
    });
})();
