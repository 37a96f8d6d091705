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

  // ---- a signed head's XMLDSig ---------------------------------------------------------------
  // The service signs each head in one form only (activities/chain-heads.ts): the head, then one
  // enveloped signature, RSA-SHA256 over C14N 1.0, its certificate in KeyInfo. A head is checked here
  // only in exactly that form, so its canonical forms are the received text itself (the head) and a
  // fixed template (SignedInfo): no XML parser, nothing a differently serialised document could hide.

  var DSIG = 'http://www.w3.org/2000/09/xmldsig#';
  var HEAD_NS = 'urn:kindergarten-queue:chain-head:1';
  var C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
  var HEAD_FORM = new RegExp(
    '^(<ChainHead xmlns="' + HEAD_NS + '"><Region>([^<>&\\r]*)</Region><Seq>(0|[1-9][0-9]{0,9})</Seq><Hash>([0-9a-f]{64})</Hash><At>([^<>&\\r]*)</At>)' +
      '<ds:Signature xmlns:ds="' + DSIG + '">(<ds:SignedInfo>[^]*?</ds:SignedInfo>)<ds:SignatureValue>([A-Za-z0-9+/=\\s]+)</ds:SignatureValue>' +
      '<ds:KeyInfo><ds:X509Data><ds:X509Certificate>([A-Za-z0-9+/=\\s]+)</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature></ChainHead>$',
  );
  function signedInfo(digest, canonical) {
    var empty = function (name, algorithm) {
      return '<ds:' + name + ' Algorithm="' + algorithm + '"' + (canonical ? '></ds:' + name + '>' : '/>');
    };
    // Inclusive C14N of SignedInfo carries every namespace in scope: the head's default one too.
    return (canonical ? '<ds:SignedInfo xmlns="' + HEAD_NS + '" xmlns:ds="' + DSIG + '">' : '<ds:SignedInfo>') +
      empty('CanonicalizationMethod', C14N) + empty('SignatureMethod', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256') +
      '<ds:Reference URI=""><ds:Transforms>' + empty('Transform', DSIG + 'enveloped-signature') + empty('Transform', C14N) + '</ds:Transforms>' +
      empty('DigestMethod', 'http://www.w3.org/2001/04/xmlenc#sha256') + '<ds:DigestValue>' + digest + '</ds:DigestValue></ds:Reference></ds:SignedInfo>';
  }

  var BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function fromBase64(text) {
    var clean = text.replace(/\s+/g, '').replace(/=+$/, '');
    var out = new Uint8Array(Math.floor((clean.length * 3) / 4));
    var bits = 0;
    var value = 0;
    var n = 0;
    for (var i = 0; i < clean.length; i++) {
      var v = BASE64.indexOf(clean.charAt(i));
      if (v < 0) throw new Error('not base64');
      value = (value << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[n++] = (value >> bits) & 0xff;
      }
    }
    return out.subarray(0, n);
  }
  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** One DER element at `pos`: its tag, where its content starts and where it ends. */
  function der(bytes, pos) {
    if (!(pos >= 0 && pos + 2 <= bytes.length)) throw new Error('the certificate cannot be read');
    var length = bytes[pos + 1];
    var header = 2;
    if (length & 0x80) {
      var count = length & 0x7f;
      if (count < 1 || count > 4) throw new Error('the certificate cannot be read');
      length = 0;
      for (var i = 0; i < count; i++) length = length * 256 + bytes[pos + 2 + i];
      header += count;
    }
    if (pos + header + length > bytes.length) throw new Error('the certificate cannot be read');
    return { tag: bytes[pos], start: pos, content: pos + header, end: pos + header + length };
  }
  /** The certificate's SubjectPublicKeyInfo, as WebCrypto imports it ('spki'). */
  function publicKeyInfo(cert) {
    var tbs = der(cert, der(cert, 0).content);
    var pos = tbs.content;
    // version [0] (optional), serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    var field = der(cert, pos);
    var skip = field.tag === 0xa0 ? 6 : 5;
    for (var i = 0; i < skip; i++) field = der(cert, (pos = field.end));
    if (field.tag !== 0x30) throw new Error('the certificate cannot be read');
    return cert.subarray(field.start, field.end);
  }

  function encode(text) {
    return new TextEncoder().encode(text);
  }

  /**
   * The head a signed head's document vouches for, if its signature verifies with the certificate it
   * carries: resolves to `{ head: { region, seq, hash, at }, fingerprint }` (the certificate's SHA-256,
   * lower-case hex, to compare with the one the service publishes) or `{ refused }` with the reason.
   * Whose certificate it is, this cannot tell: the fingerprint says it.
   */
  function verifyHeadSignature(signedXml) {
    var m = HEAD_FORM.exec(signedXml);
    if (!m) return Promise.resolve({ refused: 'form' });
    var digest = /<ds:DigestValue>([A-Za-z0-9+/=]+)<\/ds:DigestValue>/.exec(m[6]);
    if (!digest || m[6] !== signedInfo(digest[1], false)) return Promise.resolve({ refused: 'form' });
    var cert;
    var signature;
    var spki;
    var expected;
    try {
      expected = fromBase64(digest[1]);
      cert = fromBase64(m[8]);
      signature = fromBase64(m[7]);
      spki = publicKeyInfo(cert);
    } catch (err) {
      return Promise.resolve({ refused: 'certificate' });
    }
    var subtle = root.crypto && root.crypto.subtle;
    if (!subtle) return Promise.reject(new Error('no WebCrypto: the page must be opened over HTTPS or from localhost (a secure context)'));
    var head = { region: m[2], seq: Number(m[3]), hash: m[4], at: m[5] };
    return subtle.digest('SHA-256', encode(m[1] + '</ChainHead>')).then(function (d) {
      if (!sameBytes(new Uint8Array(d), expected)) return { refused: 'digest' };
      return subtle
        .importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify'])
        .then(function (key) { return subtle.verify('RSASSA-PKCS1-v1_5', key, signature, encode(signedInfo(digest[1], true))); })
        .then(function (valid) {
          if (!valid) return { refused: 'signature' };
          return subtle.digest('SHA-256', cert).then(function (f) { return { head: head, fingerprint: hex(f) }; });
        }, function () { return { refused: 'certificate' }; });
    });
  }

  /** A fingerprint as `openssl x509 -fingerprint -sha256` prints it: upper-case pairs joined by colons. */
  function fingerprintText(hexText) {
    return hexText.toUpperCase().match(/../g).join(':');
  }

  /**
   * Whether `signer` (the fingerprint of the certificate that signed a head dated `at`) is one of
   * `known` — the service's certificates as the heads' answer names them, from its configuration —
   * and was valid then. With none named, any signer passes: the page then only shows who signed.
   */
  function knownSigner(known, signer, at) {
    if (!known || known.length === 0) return true;
    for (var i = 0; i < known.length; i++) {
      if (known[i].fingerprint === fingerprintText(signer)) return known[i].validFrom <= at && at <= known[i].validTo;
    }
    return false;
  }

  /**
   * The whole check: the chain fits together, every signed head names the recomputed hash at its
   * sequence, and each head's signature verifies, says the region, seq, hash and time it is listed
   * with, and was made with one of the service's certificates (`known`, the heads' answer's
   * `signers`) valid at that time. A head past the last entry is a gap there; a head whose hash
   * differs is reason 'head'; one whose signature does not hold, 'signature'; one signed with
   * another certificate, 'signer'. Resolves to `{ ok, broken, entries, heads, hashes, signers }`
   * (hashes: seq → recomputed hash, of the entries before the first broken one; signers: the
   * fingerprints, as openssl prints them, of the certificates that signed the heads); `ok` needs
   * at least one signed head to compare with.
   */
  function checkChain(region, entries, heads, known) {
    var hashes = {};
    var sorted = heads.slice().sort(function (a, b) { return a.seq - b.seq; });
    return Promise.all([
      firstBrokenEntry(region, entries, undefined, hashes),
      Promise.all(sorted.map(function (h) { return verifyHeadSignature(h.signedXml || ''); })),
    ]).then(function (results) {
      var broken = results[0];
      var signed = results[1];
      var signers = [];
      for (var i = 0; !broken && i < sorted.length; i++) {
        var h = sorted[i];
        var s = signed[i];
        var mine = hashes[h.seq];
        if (mine === undefined) broken = { seq: h.seq, reason: 'gap' };
        else if (mine !== h.hash) broken = { seq: h.seq, reason: 'head' };
        else if (!s.head || s.head.region !== region || s.head.seq !== h.seq || s.head.hash !== h.hash || s.head.at !== h.at) broken = { seq: h.seq, reason: 'signature' };
        else if (!knownSigner(known, s.fingerprint, s.head.at)) broken = { seq: h.seq, reason: 'signer' };
        else if (signers.indexOf(fingerprintText(s.fingerprint)) < 0) signers.push(fingerprintText(s.fingerprint));
      }
      return { ok: !broken && sorted.length > 0, broken: broken, entries: entries.length, heads: sorted.length, hashes: hashes, signers: broken ? [] : signers };
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

  /** Every entry of the region from seq 1 on, following `next`, its signed heads and the service's certificates. */
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
      return { entries: entries, heads: body.heads, signers: body.signers || [] };
    });
  }

  root.KqChain = {
    GENESIS_HASH: GENESIS_HASH,
    canonicalEntry: canonicalEntry,
    sha256Hex: sha256Hex,
    entryHash: entryHash,
    firstBrokenEntry: firstBrokenEntry,
    verifyHeadSignature: verifyHeadSignature,
    checkChain: checkChain,
    fetchRegion: fetchRegion,
  };
})(typeof self !== 'undefined' ? self : globalThis);
