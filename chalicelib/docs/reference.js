// Starts Swagger UI on the page's element, with the document its data-document attribute names.
(function () {
  var root = document.getElementById("reference");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-document"),
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
