/*
 * Vitrail picker receiver for CKEditor 4, to load on the CiviCRM pages that show the editor:
 *   <script src="https://media.example.org/integrations/ckeditor4/receiver.js"></script>
 * The picker runs on Vitrail's origin, so it cannot call CKEDITOR.tools.callFunction on its opener; it
 * posts the chosen image instead. This script accepts messages from Vitrail's origin only (the origin it
 * was loaded from), checks their shape, and hands the URL to the editor that opened the picker.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var vitrailOrigin = new URL(script.src).origin;

  window.addEventListener('message', function (event) {
    if (event.origin !== vitrailOrigin) return;
    var data = event.data;
    if (!data || typeof data !== 'object' || data.type !== 'vitrail:ckeditor4:choose') return;
    if (typeof data.funcNum !== 'string' || !/^[0-9]+$/.test(data.funcNum)) return;
    if (typeof data.url !== 'string' || data.url.indexOf(vitrailOrigin + '/') !== 0) return;
    if (!window.CKEDITOR || !window.CKEDITOR.tools) return;
    window.CKEDITOR.tools.callFunction(Number(data.funcNum), data.url);
  });
})();
