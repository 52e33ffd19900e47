/* The public pages' map, drawn with Leaflet from the GeoJSON file the box
   names: on an alert page the alert area, its shelters and evacuation routes;
   on the front and drills pages the areas of the listed alerts, coloured by
   severity, each linking to its alert. Only an enhancement: the pages list
   the same things as text, and the map stays hidden when Leaflet, fetch or
   the file is missing. No tiles are loaded. */
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
  // The colours of the pages' severity badges.
  var severityColours = {
    Extreme: "#6b0000",
    Severe: "#a33500",
    Moderate: "#806a00",
    Minor: "#1d4f91",
    Unknown: "#4d4d4d"
  };

  function styleOf(feature) {
    var props = feature.properties || {};
    var colour = severityColours[props.severity];
    if (props.kind === "area" && colour) {
      return { color: colour, weight: 2, fillOpacity: 0.2 };
    }
    return styles[props.kind] || styles.area;
  }

  function drawPoint(feature, latlng) {
    var props = feature.properties || {};
    if (props.kind === "area") {
      return L.circle(latlng, { radius: (props.radiusKm || 0) * 1000 });
    }
    return L.circleMarker(latlng, {
      radius: 8, color: "#fff", weight: 2, fillColor: "#1d4f91", fillOpacity: 1
    });
  }

  function linkTo(props) {
    var link = document.createElement("a");
    link.href = String(props.url);
    link.textContent = String(props.alert || props.name || props.url);
    return link;
  }

  function label(feature, layer) {
    var props = feature.properties || {};
    if (props.url) {
      layer.bindPopup(linkTo(props));
    }
    if (props.name) {
      layer.bindTooltip(String(props.name));
    }
  }

  // A circle knows its bounds only once the map has a view, so circles are
  // measured from their centre and radius instead.
  function boundsOf(group) {
    var bounds = L.latLngBounds([]);
    group.eachLayer(function (layer) {
      if (layer instanceof L.Circle) {
        bounds.extend(layer.getLatLng().toBounds(layer.getRadius() * 2));
      } else if (layer.getBounds) {
        bounds.extend(layer.getBounds());
      } else if (layer.getLatLng) {
        bounds.extend(layer.getLatLng());
      }
    });
    return bounds;
  }

  function draw(collection) {
    box.hidden = false;
    box.setAttribute("role", "img");
    box.setAttribute("aria-label", box.getAttribute("data-label") || "");
    var map = L.map(box, { scrollWheelZoom: false, attributionControl: false });
    var layer = L.geoJSON(collection, {
      style: styleOf,
      pointToLayer: drawPoint,
      onEachFeature: label
    }).addTo(map);
    var bounds = boundsOf(layer);
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12] });
    } else {
      box.hidden = true;
    }
  }

  fetch(box.getAttribute("data-geojson"), { headers: { Accept: "application/geo+json" } })
    .then(function (answer) {
      if (!answer.ok) {
        throw new Error("map file answered " + answer.status);
      }
      return answer.json();
    })
    .then(draw)
    .catch(function () {
      box.hidden = true;
    });
})();
