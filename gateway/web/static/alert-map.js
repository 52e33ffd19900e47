// The areas of an alert on a small Leaflet map of the console's alert page:
// outlines of the polygons and circles in the element's data-areas, on a
// blank background (no tile server, so the page's CSP stays closed). Without
// JavaScript the map stays hidden and the areas are read as text below it.
(function () {
  "use strict";

  var COLOUR = "#7a1f1f";

  function start() {
    var element = document.querySelector("[data-areas]");
    if (!element || !window.L) {
      return;
    }
    var areas = JSON.parse(element.dataset.areas);
    var bounds = extent(areas);
    if (!bounds.isValid()) {
      return;
    }
    element.hidden = false;
    var map = window.L.map(element, { attributionControl: false });
    map.fitBounds(bounds, { padding: [16, 16] });
    window.L.featureGroup(shapes(areas)).addTo(map);
  }

  // A circle's bounds need a map with a view, so the view comes from here.
  function extent(areas) {
    var bounds = window.L.latLngBounds([]);
    areas.forEach(function (area) {
      (area.polygons || []).forEach(function (ring) {
        bounds.extend(ring);
      });
      (area.circles || []).forEach(function (circle) {
        var centre = window.L.latLng(circle.lat, circle.lon);
        bounds.extend(centre.toBounds(circle.radiusKm * 2000));
      });
    });
    return bounds;
  }

  function shapes(areas) {
    var layers = [];
    areas.forEach(function (area) {
      (area.polygons || []).forEach(function (ring) {
        layers.push(window.L.polygon(ring, { color: COLOUR }));
      });
      (area.circles || []).forEach(function (circle) {
        layers.push(
          window.L.circle([circle.lat, circle.lon], {
            radius: circle.radiusKm * 1000,
            color: COLOUR,
          })
        );
      });
    });
    return layers;
  }

  document.addEventListener("DOMContentLoaded", start);
})();
