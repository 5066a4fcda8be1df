/*
 * The CKEditor 4 picker: a compact media library (search, upload, choose) opened by the editor's
 * "Explorer le serveur" button. It uses the web interface's session when this Vitrail has one and the
 * user is signed in (GET /api/v1/session returns 200), else an API token asked once per tab and kept in
 * sessionStorage. It lists and uploads through the media API, and posts the chosen URL to the opener,
 * addressed to the configured CiviCRM origins only: postMessage drops a message whose target origin is
 * not the opener's.
 */
(function () {
  'use strict';
  var TOKEN_KEY = 'vitrail.apiToken';
  var PAGE_SIZE = 100;
  var body = document.body;
  var origins = JSON.parse(body.getAttribute('data-origins') || '[]');
  var funcNum = body.getAttribute('data-func-num') || '';
  var tokenForm = document.getElementById('token-form');
  var library = document.getElementById('library');
  var searchForm = document.getElementById('search-form');
  var searchInput = document.getElementById('search');
  var uploadInput = document.getElementById('upload');
  var grid = document.getElementById('grid');
  var status = document.getElementById('status');
  var signInHint = document.getElementById('sign-in-hint');
  /** CSRF token of the web interface's session, or null when the picker works with an API token. */
  var csrfToken = null;

  function say(text, isError) {
    status.textContent = text;
    status.className = isError ? 'status error' : 'status';
  }

  function token() {
    return window.sessionStorage.getItem(TOKEN_KEY) || '';
  }

  function api(path, options) {
    var init = options || {};
    var credentials = csrfToken === null ? { Authorization: 'Bearer ' + token() } : { 'X-CSRF-Token': csrfToken };
    init.headers = Object.assign(credentials, init.headers || {});
    return fetch(path, init).then(function (response) {
      return response.json().then(function (json) {
        if (response.status === 401) {
          csrfToken = null;
          window.sessionStorage.removeItem(TOKEN_KEY);
          showTokenForm();
          throw new Error("Le jeton d'API n'est pas valable : saisissez-en un autre.");
        }
        if (!response.ok) throw new Error(json && json.error ? json.error.message : 'Erreur ' + response.status);
        return json;
      });
    });
  }

  function isMailImage(item) {
    return item.visibility === 'public' && item.mime.indexOf('image/') === 0 && item.mime !== 'image/svg+xml';
  }

  function choose(item) {
    if (!window.opener) {
      say("Cette fenêtre n'a pas été ouverte par CKEditor : copiez le lien " + item.url, true);
      return;
    }
    var message = { type: 'vitrail:ckeditor4:choose', funcNum: funcNum, url: item.url, width: item.width, height: item.height, alt: item.alt };
    origins.forEach(function (origin) {
      window.opener.postMessage(message, origin);
    });
    window.close();
  }

  function render(items) {
    grid.textContent = '';
    var images = items.filter(isMailImage);
    if (images.length === 0) say('Aucune image ne correspond.', false);
    images.forEach(function (item) {
      var li = document.createElement('li');
      var img = document.createElement('img');
      img.src = item.url;
      img.alt = item.alt || '';
      img.loading = 'lazy';
      var name = document.createElement('span');
      name.className = 'name';
      name.textContent = item.name;
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Choisir';
      button.setAttribute('aria-label', 'Choisir ' + item.name);
      button.addEventListener('click', function () {
        choose(item);
      });
      li.append(img, name, button);
      grid.append(li);
    });
  }

  function load() {
    var query = searchInput.value.trim();
    var path = '/api/v1/media?limit=' + PAGE_SIZE + (query ? '&q=' + encodeURIComponent(query) : '');
    say('Chargement…', false);
    return api(path)
      .then(function (page) {
        say('', false);
        render(page.items);
      })
      .catch(function (error) {
        say(error.message, true);
      });
  }

  function showTokenForm() {
    tokenForm.hidden = false;
    library.hidden = true;
  }

  function showLibrary() {
    tokenForm.hidden = true;
    library.hidden = false;
    load();
  }

  tokenForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var value = document.getElementById('token').value.trim();
    if (!value) return;
    window.sessionStorage.setItem(TOKEN_KEY, value);
    showLibrary();
  });

  searchForm.addEventListener('submit', function (event) {
    event.preventDefault();
    load();
  });

  uploadInput.addEventListener('change', function () {
    var file = uploadInput.files && uploadInput.files[0];
    if (!file) return;
    var form = new FormData();
    form.append('file', file, file.name);
    say('Envoi de « ' + file.name + ' »…', false);
    api('/api/v1/media', { method: 'POST', body: form })
      .then(function (item) {
        uploadInput.value = '';
        say('« ' + item.name + ' » est envoyée.', false);
        return load();
      })
      .catch(function (error) {
        say(error.message, true);
      });
  });

  if (origins.length === 0) {
    say("Aucun site n'est autorisé à recevoir le choix : l'administrateur doit régler VITRAIL_CORS_ORIGINS.", true);
  }
  // The session route exists only where the web interface does, so a 404 means API tokens alone.
  fetch('/api/v1/session', { headers: { Accept: 'application/json' } })
    .then(function (response) {
      if (response.status === 401) signInHint.hidden = false;
      if (!response.ok) return null;
      return response.json();
    })
    .catch(function () {
      return null;
    })
    .then(function (session) {
      if (session && typeof session.csrfToken === 'string') {
        csrfToken = session.csrfToken;
        showLibrary();
      } else if (token()) {
        showLibrary();
      } else {
        showTokenForm();
      }
    });
})();
