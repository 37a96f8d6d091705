// R11.3: the "Check it yourself" button of the public board. Each `[data-chain-check]` block names
// its region and carries the page's words (data-msg-*), so this file holds no language. Without
// JavaScript the button stays hidden and the page says how to check otherwise (verify-chain).
(function () {
  'use strict';

  function say(block, name, values) {
    var text = block.getAttribute('data-msg-' + name) || name;
    Object.keys(values || {}).forEach(function (k) { text = text.split('{' + k + '}').join(String(values[k])); });
    return text;
  }

  function show(block, state, text) {
    var result = block.querySelector('[data-chain-result]');
    result.className = 'check-result check-' + state;
    result.setAttribute('data-state', state);
    result.textContent = text;
  }

  /** The application's own entries on the look-up: each marked found (its hash is the region's at its seq) or not. */
  function markOwnEntries(block, hashes) {
    var rows = document.querySelectorAll('[data-chain-seq]');
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var fits = hashes[Number(row.getAttribute('data-chain-seq'))] === row.getAttribute('data-chain-hash');
      var cell = row.querySelector('[data-chain-mark]');
      if (!cell) continue;
      cell.textContent = fits ? say(block, 'own-ok') : say(block, 'own-bad');
      cell.className = fits ? 'mark-ok' : 'mark-bad';
    }
  }

  function run(block, button) {
    var region = block.getAttribute('data-region');
    button.disabled = true;
    show(block, 'running', say(block, 'running'));
    var progress = {
      entries: function (n) { show(block, 'running', say(block, 'fetched', { n: n })); },
      wait: function (s) { show(block, 'running', say(block, 'wait', { s: s })); },
    };
    window.KqChain.fetchRegion('', region, progress)
      .then(function (got) {
        show(block, 'running', say(block, 'hashing', { n: got.entries.length }));
        return window.KqChain.checkChain(region, got.entries, got.heads, got.signers);
      })
      .then(function (r) {
        if (r.broken) show(block, 'bad', say(block, 'broken', { seq: r.broken.seq, reason: say(block, 'reason-' + r.broken.reason) }));
        else if (r.heads === 0) show(block, 'none', say(block, 'no-head', { n: r.entries }));
        else show(block, 'ok', say(block, 'ok', { n: r.entries, h: r.heads, f: r.signers.join(', ') }));
        markOwnEntries(block, r.hashes);
      })
      .catch(function (err) {
        show(block, 'error', say(block, window.isSecureContext === false ? 'insecure' : 'error', { why: err && err.message }));
      })
      .then(function () { button.disabled = false; });
  }

  function start() {
    var blocks = document.querySelectorAll('[data-chain-check]');
    for (var i = 0; i < blocks.length; i++) {
      (function (block) {
        var button = block.querySelector('button[data-chain-button]');
        if (!button) return;
        button.hidden = false;
        var without = block.querySelector('[data-chain-nojs]');
        if (without) without.hidden = true;
        if (window.isSecureContext === false || !window.crypto || !window.crypto.subtle) show(block, 'error', say(block, 'insecure'));
        button.addEventListener('click', function () { run(block, button); });
      })(blocks[i]);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
