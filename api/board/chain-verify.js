// R11.3: the public board's in-browser check of a region's queue history. Plain JavaScript, no
// build step, no module system: it defines `KqChain` on the page's global object. It repeats
// domain/chain.ts (`canonicalEntry`, `entryHash`, `firstBrokenEntry`) byte for byte, with
// WebCrypto's SHA-256; tests/board/chain-verify.test.ts runs this very file against domain/chain.ts
// so the two cannot drift. WebCrypto exists only in a secure context (HTTPS, or localhost).
(function (root) {
  'use strict';

  var GENESIS_HASH = new Array(65).join('0');

  /**
   * domain/chain.ts `canonicalEntry`: a JSON array of the fields in this fixed order, the group year
   * last and only where the entry has one (entries written before group years were chained have
   * none). The public API's entries carry no region (it is in the path), so the region is passed
   * beside the entry.
   */
  function canonicalEntry(region, e) {
    var fields = [e.seq, e.prevHash, region, e.at, e.event, e.number, e.queueWhole, e.queueCategory, e.category, e.place, e.actorRole];
    if (e.groupYear !== null && e.groupYear !== undefined) fields.push(e.groupYear);
    return JSON.stringify(fields);
  }

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = '';
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  }

  /** Lower-case hex SHA-256 of the UTF-8 bytes of `text`. */
  function sha256Hex(text) {
    if (!root.crypto || !root.crypto.subtle) {
      return Promise.reject(new Error('no WebCrypto: the page must be opened over HTTPS or from localhost (a secure context)'));
    }
    return root.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then(hex);
  }

  /** domain/chain.ts `entryHash`. */
  function entryHash(region, e) {
    return sha256Hex(canonicalEntry(region, e));
  }

  /**
   * domain/chain.ts `firstBrokenEntry`: the first entry that does not fit — a gap in the sequence,
   * a broken link to the entry before, or a hash that is not its content's — or null. Resolves to
   * `{ seq, reason }`; `hashes` (seq → recomputed hash) is filled on the way for the heads' check.
   */
  function firstBrokenEntry(region, entries, before, hashes) {
    var prev = before || { seq: 0, hash: GENESIS_HASH };
    // Every hash at once (WebCrypto works in parallel), then the walk in order.
    return Promise.all(entries.map(function (e) { return entryHash(region, e); })).then(function (computed) {
      for (var i = 0; i < entries.length; i++) {
        var e = entries[i];
        if (e.seq !== prev.seq + 1) return { seq: prev.seq + 1, reason: 'gap' };
        if (e.prevHash !== prev.hash) return { seq: e.seq, reason: 'link' };
        if (computed[i] !== e.hash) return { seq: e.seq, reason: 'hash' };
        if (hashes) hashes[e.seq] = computed[i];
        prev = e;
      }
      return null;
    });
  }

  /**
   * The whole check: the chain fits together, and every signed head names the recomputed hash at its
   * sequence. A head past the last entry is a gap there; a head whose hash differs is reason 'head'.
   * Resolves to `{ ok, broken, entries, heads, hashes }` (hashes: seq → recomputed hash, of the
   * entries before the first broken one); `ok` needs at least one signed head to compare with.
   */
  function checkChain(region, entries, heads) {
    var hashes = {};
    return firstBrokenEntry(region, entries, undefined, hashes).then(function (broken) {
      var sorted = heads.slice().sort(function (a, b) { return a.seq - b.seq; });
      for (var i = 0; !broken && i < sorted.length; i++) {
        var h = sorted[i];
        var mine = hashes[h.seq];
        if (mine === undefined) broken = { seq: h.seq, reason: 'gap' };
        else if (mine !== h.hash) broken = { seq: h.seq, reason: 'head' };
      }
      return { ok: !broken && sorted.length > 0, broken: broken, entries: entries.length, heads: sorted.length, hashes: hashes };
    });
  }

  function delay(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  /** GET a public JSON answer; a 429 is waited out (Retry-After) and asked again. */
  function getJson(url, onWait) {
    return root.fetch(url, { headers: { accept: 'application/json' } }).then(function (res) {
      if (res.status === 429) {
        var seconds = Math.max(1, Number(res.headers.get('Retry-After')) || 5);
        if (onWait) onWait(seconds);
        return delay(seconds * 1000).then(function () { return getJson(url, onWait); });
      }
      if (!res.ok) throw new Error(url + ' answered ' + res.status);
      return res.json();
    });
  }

  /** A page of at most this many entries per request. */
  var PAGE = 1000;

  /** Every entry of the region from seq 1 on, following `next`, and its signed heads. */
  function fetchRegion(base, region, progress) {
    var path = base + '/api/v1/public/chain/' + encodeURIComponent(region);
    var entries = [];
    function page(from) {
      return getJson(path + '/entries?from=' + from + '&limit=' + PAGE, progress && progress.wait).then(function (body) {
        entries.push.apply(entries, body.entries);
        if (progress && progress.entries) progress.entries(entries.length);
        // A `next` that does not move forward would never end: the answer is wrong, stop there.
        if (body.next === null || body.next === undefined) return entries;
        if (!(body.next > from)) throw new Error('the entries’ next page (' + body.next + ') does not move past ' + from);
        return page(body.next);
      });
    }
    return page(1).then(function () {
      return getJson(path + '/heads', progress && progress.wait);
    }).then(function (body) {
      return { entries: entries, heads: body.heads };
    });
  }

  root.KqChain = {
    GENESIS_HASH: GENESIS_HASH,
    canonicalEntry: canonicalEntry,
    sha256Hex: sha256Hex,
    entryHash: entryHash,
    firstBrokenEntry: firstBrokenEntry,
    checkChain: checkChain,
    fetchRegion: fetchRegion,
  };
})(typeof self !== 'undefined' ? self : globalThis);
