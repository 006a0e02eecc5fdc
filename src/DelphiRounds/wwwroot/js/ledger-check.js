// Checks an endorsement ledger in the visitor's own browser with WebCrypto (issue 19): the frozen document's hash,
// every entry's hash and its link to the entry before, every passkey signature (ES256 and RS256, the algorithms the
// service accepts), the service's key list (each new key signed by the one before) and the service's signature on the
// head. It is a line-by-line port of LedgerVerifier.cs and stops at the first problem with the same message, so the
// page, the API and `scripts/delphi verify` can be compared word for word.
//
// It reads the ledger from <script type="application/json" id="delphi-ledger"> when the page holds one (the offline
// page of the evidence bundle, opened from disk), else from the URL in data-ledger-url. Results are written into every
// [data-browser-check] element, in the words of its data-texts (JSON). No other site is contacted.
(function () {
  "use strict";

  const GENESIS = "0".repeat(64);
  const FORMAT = "delphirounds-ledger/1";
  const ROTATION_FORMAT = "delphirounds-key-rotation/1";
  const KIND = { endorsement: "endorsement", withdrawal: "withdrawal", confirmation: "confirmation", commitment: "commitment", measurement: "measurement", progress: "progress", revision: "revision" };
  // The kinds the facilitator records: no signatory, always a record (LedgerFormat.IsFacilitatorRecord).
  const facilitatorRecord = (kind) => kind === KIND.measurement || kind === KIND.progress || kind === KIND.revision;
  const LINK = "link";
  const PASSKEY = "passkey";
  const HASHED_FIELDS = ["sequence", "kind", "studyId", "documentHash", "previousHash", "signatory", "commitment", "nameCommitment",
    "organisation", "role", "statement", "withdraws", "reason", "at"];
  const utf8 = new TextEncoder();
  const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
  const text = (v) => (typeof v === "string" ? v : null);
  const integer = (v) => (typeof v === "number" && Number.isInteger(v) ? v : null);

  // ---- Canonical JSON (RFC 8785): keys sorted by UTF-16 code units, ECMAScript number and string forms. ----
  function canonical(v) {
    if (v === null) return "null";
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    if (typeof v === "object") {
      return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
    }
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error("NaN and infinity have no JSON form.");
    return JSON.stringify(v);
  }
  function isCanonical(s) {
    try { return canonical(JSON.parse(s)) === s; } catch (e) { return false; }
  }

  // ---- Bytes ----
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  async function sha256Hex(str) { return hex(await sha256(utf8.encode(str))); }
  function fromHex(s) {
    if (typeof s !== "string" || !/^([0-9a-fA-F]{2})*$/.test(s)) return null;
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }
  function fromBase64(s) {
    if (typeof s !== "string") return null;
    const t = s.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) return null;
    try { return Uint8Array.from(atob(t), (c) => c.charCodeAt(0)); } catch (e) { return null; }
  }
  function fromBase64Url(s) {
    if (typeof s !== "string" || !/^[A-Za-z0-9_=-]*$/.test(s)) return null;
    let t = s.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
    if (t.length % 4 === 1) return null;
    t += "=".repeat((4 - (t.length % 4)) % 4);
    return fromBase64(t);
  }
  const base64Url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const concat = (a, b) => { const out = new Uint8Array(a.length + b.length); out.set(a); out.set(b, a.length); return out; };
  const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const fingerprint = async (spki) => hex(await sha256(spki));

  // ---- Keys ----
  async function importEcdsa(spki) {
    try { return { key: await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]) }; }
    catch (e) {
      for (const curve of ["P-384", "P-521"]) {
        try { await crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: curve }, false, ["verify"]); return { otherCurve: true }; }
        catch (ignored) { /* not this curve */ }
      }
      return {};
    }
  }
  const verifyP1363 = (key, signature, data) => crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, data);

  // A DER ECDSA signature (SEQUENCE of two INTEGERs) as r||s of 32 bytes each; null when it is not one.
  function derToP1363(der) {
    let i = 0;
    const byte = () => (i < der.length ? der[i++] : -1);
    const length = () => {
      let n = byte();
      if (n < 0) return -1;
      if (n < 0x80) return n;
      const count = n & 0x7f;
      if (count < 1 || count > 2) return -1;
      n = 0;
      for (let k = 0; k < count; k++) { const b = byte(); if (b < 0) return -1; n = (n << 8) | b; }
      return n;
    };
    if (byte() !== 0x30) return null;
    const total = length();
    if (total < 0 || i + total !== der.length) return null;
    const out = new Uint8Array(64);
    for (let part = 0; part < 2; part++) {
      if (byte() !== 0x02) return null;
      const n = length();
      if (n < 1 || i + n > der.length) return null;
      let value = der.subarray(i, i + n);
      i += n;
      while (value.length > 1 && value[0] === 0) value = value.subarray(1);
      if (value.length > 32) return null;
      out.set(value, part * 32 + 32 - value.length);
    }
    return i === der.length ? out : null;
  }

  // ---- Entries ----
  function readFields(entry) {
    for (const name of HASHED_FIELDS) if (!has(entry, name)) return { problem: `field '${name}' is missing` };
    for (const name of ["kind", "documentHash", "previousHash", "signatory", "commitment", "nameCommitment", "organisation", "role", "statement", "at"]) {
      if (text(entry[name]) === null) return { problem: `field '${name}' is not a string` };
    }
    const sequence = integer(entry.sequence);
    if (sequence === null) return { problem: "field 'sequence' is not a whole number" };
    const studyId = integer(entry.studyId);
    if (studyId === null) return { problem: "field 'studyId' is not a whole number" };
    let withdraws = null;
    if (entry.withdraws !== null) {
      withdraws = integer(entry.withdraws);
      if (withdraws === null) return { problem: "field 'withdraws' is not a whole number or null" };
    }
    let reason = null;
    if (entry.reason !== null && (reason = text(entry.reason)) === null) return { problem: "field 'reason' is not a string or null" };
    let method = null;
    let proof = null;
    if (has(entry, "method")) {
      method = text(entry.method);
      if (method !== LINK && method !== PASSKEY) return { problem: `field 'method' is neither ${LINK} nor ${PASSKEY}` };
      if (!has(entry, "passkey")) return { problem: "field 'passkey' is missing" };
      proof = isObject(entry.passkey) ? entry.passkey : null;
      if (method === PASSKEY && proof === null) return { problem: "field 'passkey' is not an object (the passkey's proof)" };
      if (method === LINK && entry.passkey !== null) return { problem: "field 'passkey' is not null for an entry signed by link" };
    } else if (has(entry, "passkey")) {
      return { problem: "field 'method' is missing" };
    }
    let record = null;
    if (has(entry, "record") && (record = text(entry.record)) === null) return { problem: "field 'record' is not a string" };
    // Signing per organisation (issue 18): hashed where present, absent from older entries.
    const bool = (v) => (typeof v === "boolean" ? v : null);
    let mandate = null, onPanel = null, fourEyes = null, confirms = null;
    if (has(entry, "mandate") && (mandate = text(entry.mandate)) === null) return { problem: "field 'mandate' is not a string" };
    if (has(entry, "onPanel") && (onPanel = bool(entry.onPanel)) === null) return { problem: "field 'onPanel' is not true or false" };
    if (has(entry, "fourEyes") && (fourEyes = bool(entry.fourEyes)) === null) return { problem: "field 'fourEyes' is not true or false" };
    if (has(entry, "confirms") && (confirms = integer(entry.confirms)) === null) return { problem: "field 'confirms' is not a whole number" };
    return {
      fields: {
        sequence, kind: entry.kind, studyId, documentHash: entry.documentHash, previousHash: entry.previousHash, signatory: entry.signatory,
        commitment: entry.commitment, nameCommitment: entry.nameCommitment, organisation: entry.organisation, role: entry.role,
        statement: entry.statement, withdraws, reason, at: entry.at, method, proof, record, mandate, onPanel, fourEyes, confirms,
      },
    };
  }

  // The hashed fields as LedgerFormat.EntryFields.ToJson builds them.
  function hashedJson(f) {
    const json = {
      sequence: f.sequence, kind: f.kind, studyId: f.studyId, documentHash: f.documentHash, previousHash: f.previousHash,
      signatory: f.signatory, commitment: f.commitment, nameCommitment: f.nameCommitment, organisation: f.organisation,
      role: f.role, statement: f.statement, withdraws: f.withdraws, reason: f.reason, at: f.at,
    };
    if (f.record !== null) json.record = f.record;
    if (f.mandate !== null) json.mandate = f.mandate;
    if (f.onPanel !== null) json.onPanel = f.onPanel;
    if (f.fourEyes !== null) json.fourEyes = f.fourEyes;
    if (f.confirms !== null) json.confirms = f.confirms;
    if (f.method !== null) { json.method = f.method; json.passkey = f.proof; }
    return json;
  }

  const isHash = (s) => typeof s === "string" && /^[0-9a-f]{64}$/.test(s);
  function isUtcTime(s) {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(s)) return false;
    const d = new Date(s);
    return !isNaN(d.getTime()) && d.toISOString() === s;
  }

  async function passkeyChallenge(f) {
    return sha256(utf8.encode(canonical({ kind: f.kind, documentHash: f.documentHash, organisation: f.organisation, signatory: f.signatory, sequence: f.sequence })));
  }

  async function checkPasskey(proof, f) {
    if (proof === null) return "passkey: the proof is missing";
    const credentialId = fromBase64Url(text(proof.credentialId));
    const authenticatorData = fromBase64Url(text(proof.authenticatorData));
    const clientDataBytes = fromBase64Url(text(proof.clientDataJSON));
    const signature = fromBase64Url(text(proof.signature));
    if (credentialId === null || credentialId.length === 0) return "passkey: credentialId is missing or not base64url";
    if (authenticatorData === null) return "passkey: authenticatorData is missing or not base64url";
    if (clientDataBytes === null) return "passkey: clientDataJSON is missing or not base64url";
    if (signature === null) return "passkey: signature is missing or not base64url";
    const rpId = text(proof.rpId);
    if (!rpId) return "passkey: rpId is missing";
    const origin = text(proof.origin);
    if (origin === null) return "passkey: origin is missing";
    const algorithm = integer(proof.algorithm);
    if (algorithm === null) return "passkey: algorithm is missing";
    const spki = fromBase64(text(proof.publicKey) ?? "");
    if (spki === null) return "passkey: publicKey is not base64";
    if (spki.length === 0) return "passkey: publicKey is missing";

    let clientData = null;
    try { clientData = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(clientDataBytes)); } catch (e) { clientData = null; }
    if (!isObject(clientData)) return "passkey: the client data is not a JSON object";
    if (text(clientData.type) !== "webauthn.get") return "passkey: the client data is not an assertion (type webauthn.get)";
    if (text(clientData.challenge) !== base64Url(await passkeyChallenge(f)))
      return "passkey: it signed another challenge than this entry's (document, organisation, signatory and position)";
    if (text(clientData.origin) !== origin) return "passkey: the client data's origin is not the entry's origin";
    let host = null;
    try { host = new URL(origin).hostname; } catch (e) { host = null; }
    if (host === null || !(host === rpId || host.endsWith("." + rpId))) return "passkey: the origin does not belong to the relying party";
    if (authenticatorData.length < 37) return "passkey: the authenticator data is too short";
    if (!equalBytes(authenticatorData.subarray(0, 32), await sha256(utf8.encode(rpId)))) return "passkey: the authenticator data is for another relying party";
    if ((authenticatorData[32] & 0x01) === 0) return "passkey: the authenticator did not confirm that someone was present";

    const signed = concat(authenticatorData, await sha256(clientDataBytes));
    let verifies;
    if (algorithm === -7) {
      const imported = await importEcdsa(spki);
      if (imported.otherCurve) return "passkey: the ES256 key is not P-256";
      if (!imported.key) return "passkey: publicKey is not a key of the stated algorithm";
      const raw = derToP1363(signature);
      verifies = raw !== null && await verifyP1363(imported.key, raw, signed);
    } else if (algorithm === -257) {
      let key;
      try { key = await crypto.subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]); }
      catch (e) { return "passkey: publicKey is not a key of the stated algorithm"; }
      verifies = await crypto.subtle.verify({ name: "RSASSA-PKCS1-v1_5" }, key, signature, signed);
    } else {
      return `passkey: algorithm ${algorithm} is neither ES256 (-7) nor RS256 (-257)`;
    }
    return verifies ? null : "passkey: the signature does not verify with the entry's public key";
  }

  async function checkDocument(document) {
    if (!isObject(document) || text(document.sha256) === null || text(document.canonical) === null) return "document: sha256 or canonical is missing";
    if (!isHash(document.sha256)) return "document: sha256 is not a SHA-256 in lowercase hex";
    if (await sha256Hex(document.canonical) !== document.sha256) return "document: the SHA-256 of the canonical text does not match sha256";
    if (!isCanonical(document.canonical)) return "document: the text is not canonical JSON (RFC 8785)";
    return null;
  }

  async function checkDisclosure(disclosure, nameCommitment) {
    if (!isObject(disclosure)) return null;
    const name = text(disclosure.name);
    const salt = text(disclosure.nameSalt);
    if (name === null && salt === null) return null;
    const saltBytes = fromHex(salt);
    if (name === null || salt === null || saltBytes === null) return "disclosed name or its salt is incomplete";
    return hex(await sha256(concat(saltBytes, utf8.encode(name)))) === nameCommitment ? null : "disclosed name does not match its commitment";
  }

  async function checkKeys(keys) {
    const chain = [];
    if (!Array.isArray(keys) || keys.length === 0) return { problem: "keys: the list of the service's keys is missing or empty", chain };
    let previousKey = null;
    for (let i = 0; i < keys.length; i++) {
      const label = `keys: key ${i + 1}`;
      const key = keys[i];
      if (!isObject(key) || text(key.spki) === null) return { problem: `${label}: spki is missing`, chain };
      const spki = fromBase64(key.spki);
      if (spki === null) return { problem: `${label}: spki is not base64`, chain };
      const fp = await fingerprint(spki);
      if (text(key.fingerprint) !== null && key.fingerprint !== fp) return { problem: `${label}: fingerprint does not match the key`, chain };
      const imported = await importEcdsa(spki);
      if (!imported.key) return { problem: `${label}: not an ECDSA P-256 key`, chain };
      if (i === 0) {
        if (key.previous !== null && key.previous !== undefined) return { problem: `${label}: the first key cannot have a previous key`, chain };
      } else {
        if (text(key.previous) !== chain[chain.length - 1]) return { problem: `${label}: previous is not the key before it`, chain };
        const at = text(key.introducedAt);
        if (at === null) return { problem: `${label}: introducedAt is missing`, chain };
        if (text(key.rotationSignature) === null) return { problem: `${label}: rotationSignature is missing`, chain };
        const signature = fromBase64(key.rotationSignature);
        if (signature === null) return { problem: `${label}: rotationSignature is not base64`, chain };
        const payload = utf8.encode(canonical({ format: ROTATION_FORMAT, previous: chain[chain.length - 1], next: fp, spki: key.spki, at }));
        if (!(await verifyP1363(previousKey, signature, payload)))
          return { problem: `${label}: the key before it did not sign it (rotation signature does not verify)`, chain };
      }
      if (chain.includes(fp)) return { problem: `${label}: the key is listed twice`, chain };
      chain.push(fp);
      previousKey = imported.key;
    }
    return { problem: null, chain };
  }

  async function checkHead(head, publicKey, studyId, sequence, headHash, documentHash, chain) {
    if (!isObject(head)) return { problem: "head: the signed head is missing" };
    if (integer(head.studyId) !== studyId) return { problem: "head: study id does not match the ledger" };
    const headSequence = integer(head.sequence);
    if (headSequence === null) return { problem: "head: sequence is missing" };
    if (headSequence > sequence)
      return { problem: `head: the signed head is at sequence ${headSequence} but the ledger ends at sequence ${sequence} (entries are missing)` };
    if (headSequence < sequence)
      return { problem: `head: the signed head is at sequence ${headSequence} but the ledger goes on to sequence ${sequence} (entries were added after it was signed)` };
    if (text(head.headHash) !== headHash) return { problem: "head: head hash does not match the last entry's hash" };
    if (text(head.documentHash) !== documentHash) return { problem: "head: document hash does not match the frozen document" };
    if (!isObject(publicKey) || text(publicKey.spki) === null) return { problem: "publicKey: spki is missing" };
    const spki = fromBase64(publicKey.spki);
    if (spki === null) return { problem: "publicKey: spki is not base64" };
    const fp = await fingerprint(spki);
    if (text(publicKey.fingerprint) !== null && publicKey.fingerprint !== fp) return { problem: "publicKey: fingerprint does not match the key" };
    if (text(head.keyFingerprint) !== fp) return { problem: "head: it names another key than the published public key" };
    if (chain !== null && !chain.includes(fp))
      return { problem: `head: it is signed by key ${fp}, which is not one of the service's keys in the ledger (an unknown key)` };
    if (text(head.signature) === null) return { problem: "head: signature is missing" };
    const signature = fromBase64(head.signature);
    if (signature === null) return { problem: "head: signature is not base64" };
    const imported = await importEcdsa(spki);
    if (imported.otherCurve) return { problem: "publicKey: not an ECDSA P-256 key" };
    if (!imported.key) return { problem: "publicKey: not an ECDSA public key" };
    const payload = utf8.encode(canonical({ studyId, sequence: headSequence, headHash, documentHash }));
    if (!(await verifyP1363(imported.key, signature, payload))) return { problem: "head: the signature does not verify with the published key" };
    return { problem: null, fingerprint: fp };
  }

  const broken = (entries, entry, message) => ({ verifies: false, entries, brokenEntry: entry, message });

  // LedgerVerifier.Verify, step by step. `trusted`: fingerprints of service keys known from elsewhere (may be empty).
  async function verify(ledger, trusted) {
    if (!isObject(ledger)) return broken(0, null, "ledger: the file is not a JSON object");
    if (text(ledger.format) !== FORMAT) return broken(0, null, `ledger: format is not ${FORMAT}`);
    const studyId = integer(ledger.studyId);
    if (studyId === null) return broken(0, null, "ledger: studyId is missing");
    const documentProblem = await checkDocument(ledger.document);
    if (documentProblem) return broken(0, null, documentProblem);
    let documentHash = ledger.document.sha256;
    // Later versions of the vision (issue 21): each a document of its own, chained to the one before; entries switch to a
    // version at the revision entry that introduces it.
    const revisions = [];
    if (has(ledger, "revisions")) {
      if (!Array.isArray(ledger.revisions)) return broken(0, null, "revisions: not a list");
      let before = documentHash;
      for (let r = 0; r < ledger.revisions.length; r++) {
        const label = `revisions: vision ${r + 2}`;
        const revisionProblem = await checkDocument(ledger.revisions[r]);
        if (revisionProblem) return broken(0, null, `${label}: ${revisionProblem}`);
        const revision = ledger.revisions[r];
        if (integer(revision.number) !== r + 2) return broken(0, null, `${label}: number is not ${r + 2}`);
        if (text(revision.previous) !== before) return broken(0, null, `${label}: previous is not the hash of the version before it`);
        let revises = null;
        try { revises = JSON.parse(revision.canonical).revises; } catch { revises = null; }
        if (!isObject(revises) || text(revises.sha256) !== before || integer(revises.number) !== r + 1)
          return broken(0, null, `${label}: the document does not name the version before it (revises)`);
        before = revision.sha256;
        revisions.push({ number: r + 2, hash: before });
      }
    }
    let introduced = 0;
    if (!Array.isArray(ledger.entries)) return broken(0, null, "ledger: entries is missing");
    const entries = ledger.entries;
    const count = entries.length;
    let previous = GENESIS;
    let previousAt = "";
    const endorsements = new Map();
    const commitments = new Set();
    // Four eyes: endorsements in force that wait for a second person (by sequence), and who confirmed already.
    const awaiting = new Map();
    const confirmers = new Set();
    let passkeys = 0;
    const summary = { organisations: new Set(), passkeyOrganisations: new Set(), inForce: [], withdrawals: 0 };
    for (let i = 0; i < count; i++) {
      const position = i + 1;
      const entry = isObject(entries[i]) ? entries[i] : null;
      const sequenceText = entry === null ? "?" : (integer(entry.sequence) ?? "?");
      const fail = (problem) => broken(count, position, `entry ${position} (sequence ${sequenceText}): ${problem}`);
      if (entry === null) return fail("not a JSON object");
      if (integer(entry.sequence) !== position) return fail(`sequence is not ${position}`);
      const read = readFields(entry);
      if (read.problem) return fail(read.problem);
      const f = read.fields;
      if (f.previousHash !== previous) return fail("previous hash does not match");
      if (f.kind === KIND.revision) {
        if (introduced >= revisions.length) return fail("a revision that the ledger's list of versions does not hold");
        const next = revisions[introduced];
        let record = null;
        try { record = f.record === null ? null : JSON.parse(f.record); } catch { record = null; }
        if (!isObject(record) || integer(record.number) !== next.number || text(record.previous) !== documentHash || text(record.document) !== next.hash)
          return fail(`the revision's record does not introduce vision ${next.number} after the version in force`);
        documentHash = next.hash;
        introduced++;
      }
      if (f.documentHash !== documentHash) return fail("document hash does not match the frozen document");
      if (f.studyId !== studyId) return fail("study id does not match the ledger");
      const hash = text(entry.hash);
      if (hash === null || hash !== await sha256Hex(canonical(hashedJson(f)))) return fail("hash does not match the entry's contents");
      if (!isUtcTime(f.at)) return fail("time is not a UTC time like 2030-05-01T09:30:00.000Z");
      if (f.at < previousAt) return fail("time is earlier than the previous entry's");
      if (facilitatorRecord(f.kind)) {
        if (f.signatory !== "" || f.commitment !== "" || f.nameCommitment !== "") return fail(`a ${f.kind} is recorded by the facilitator and names no signatory`);
      } else if (!isHash(f.commitment) || !isHash(f.nameCommitment)) {
        return fail("a commitment is not a SHA-256 in lowercase hex");
      }
      const method = f.method ?? LINK;
      let passkeyKey = null;
      if (method === PASSKEY) {
        const problem = await checkPasskey(f.proof, f);
        if (problem) return fail(problem);
        passkeyKey = text(f.proof.credentialId) + " " + text(f.proof.publicKey);
        passkeys++;
      }
      if (f.kind !== KIND.confirmation && f.confirms !== null) return fail(`only a confirmation confirms; this is a ${f.kind}`);
      if (f.kind !== KIND.endorsement && f.fourEyes !== null) return fail(`only an endorsement can wait for a second person; this is a ${f.kind}`);
      const needsRecord = f.kind === KIND.commitment || f.kind === KIND.measurement || f.kind === KIND.progress || f.kind === KIND.revision;
      if (needsRecord !== (f.record !== null)) return fail(f.record === null ? `a ${f.kind} needs its record` : `an ${f.kind} has no record`);
      if (f.record !== null && !isCanonical(f.record)) return fail("record is not canonical JSON (RFC 8785)");

      switch (f.kind) {
        case KIND.endorsement:
          if (f.withdraws !== null) return fail("an endorsement cannot withdraw anything");
          if (endorsements.has(f.signatory)) return fail(`signatory ${f.signatory} endorsed before`);
          if (confirmers.has(f.signatory)) return fail(`signatory ${f.signatory} confirmed another's signature and cannot sign too`);
          if (f.mandate !== null && f.mandate.trim() === "") return fail("the mandate is empty");
          endorsements.set(f.signatory, { sequence: f.sequence, commitment: f.commitment, withdrawn: false, method, key: passkeyKey, organisation: f.organisation, documentHash: f.documentHash });
          if (f.fourEyes === true) awaiting.set(f.sequence, { signatory: f.signatory, commitment: f.commitment, organisation: f.organisation });
          break;
        case KIND.confirmation: {
          if (f.withdraws !== null) return fail("a confirmation cannot withdraw anything");
          const waiting = f.confirms === null ? undefined : awaiting.get(f.confirms);
          if (waiting === undefined)
            return fail(`confirms sequence ${f.confirms ?? "null"}, which is not an endorsement in force that waits for a second person`);
          if (waiting.organisation !== f.organisation) return fail(`the confirmation is for another organisation than the endorsement at sequence ${f.confirms}`);
          if (waiting.signatory === f.signatory || waiting.commitment === f.commitment)
            return fail(`the endorsement at sequence ${f.confirms} is confirmed by the person who signed it; four eyes needs a second person`);
          if (endorsements.has(f.signatory) || confirmers.has(f.signatory)) return fail(`signatory ${f.signatory} signed or confirmed before`);
          confirmers.add(f.signatory);
          if (f.mandate === null || f.mandate.trim() === "") return fail("a confirmation states the second person's mandate");
          awaiting.delete(f.confirms);
          break;
        }
        case KIND.withdrawal: {
          const endorsed = endorsements.get(f.signatory);
          if (f.withdraws === null || !endorsed || endorsed.sequence !== f.withdraws || endorsed.commitment !== f.commitment)
            return fail(`withdraws sequence ${f.withdraws ?? "null"}, which is not an endorsement by the same signatory`);
          if (endorsed.withdrawn) return fail(`the endorsement at sequence ${f.withdraws} was already withdrawn`);
          if (endorsed.method !== method || endorsed.key !== passkeyKey)
            return fail(endorsed.method === PASSKEY
              ? `the endorsement at sequence ${f.withdraws} was signed with a passkey; its withdrawal is not signed with that same passkey`
              : `the endorsement at sequence ${f.withdraws} was signed by link; its withdrawal must be too`);
          endorsed.withdrawn = true;
          awaiting.delete(f.withdraws);
          summary.withdrawals++;
          break;
        }
        case KIND.commitment: {
          if (f.withdraws !== null) return fail("a commitment cannot withdraw anything");
          const committer = endorsements.get(f.signatory);
          if (!committer || committer.withdrawn || committer.commitment !== f.commitment)
            return fail(`signatory ${f.signatory} commits without an endorsement in force`);
          commitments.add(f.sequence);
          break;
        }
        case KIND.measurement:
          if (f.withdraws !== null) return fail("a measurement cannot withdraw anything");
          break;
        case KIND.revision:
          if (f.withdraws !== null) return fail("a revision cannot withdraw anything");
          break;
        case KIND.progress: {
          if (f.withdraws !== null) return fail("progress cannot withdraw anything");
          let named = null;
          try { named = integer(JSON.parse(f.record).commitment); } catch { named = null; }
          if (named === null || !commitments.has(named)) return fail("progress names no earlier commitment of this ledger");
          break;
        }
        default:
          return fail(`kind '${f.kind}' is none of endorsement, withdrawal, confirmation, commitment, measurement, progress, revision`);
      }
      const disclosureProblem = await checkDisclosure(entry.disclosure, f.nameCommitment);
      if (disclosureProblem) return fail(disclosureProblem);
      previous = hash;
      previousAt = f.at;
    }

    if (introduced < revisions.length)
      return broken(count, null, `revisions: vision ${revisions[introduced].number} is listed but no revision entry introduces it`);

    let chain = null;
    if (has(ledger, "keys")) {
      const keys = await checkKeys(ledger.keys);
      if (keys.problem) return broken(count, null, keys.problem);
      chain = keys.chain;
    }
    const head = await checkHead(ledger.head, ledger.publicKey, studyId, count, previous, documentHash, chain);
    if (head.problem) return broken(count, null, head.problem);
    if (trusted.length > 0) {
      const known = chain ?? [head.fingerprint];
      const upTo = known.indexOf(head.fingerprint);
      if (!known.slice(0, upTo + 1).some((k) => trusted.includes(k)))
        return broken(count, null, `keys: none of the keys you trust (${trusted.join(", ")}) signed this ledger's head or introduced the key that did`);
    }
    // A signature counts for the text it signed: with later versions of the vision (issue 21), the organisations that
    // signed the version in force at the end, as /verify counts them.
    for (const e of endorsements.values()) {
      if (e.withdrawn || e.documentHash !== documentHash) continue;
      summary.organisations.add(e.organisation);
      if (e.method === PASSKEY) summary.passkeyOrganisations.add(e.organisation);
    }
    return {
      verifies: true, entries: count, brokenEntry: null, passkeys, keyFingerprint: head.fingerprint, keys: chain ? chain.length : 1,
      organisations: summary.organisations.size, passkeyOrganisations: summary.passkeyOrganisations.size, withdrawals: summary.withdrawals,
      headSequence: count, documentHash,
      message: `ledger verifies: ${count} entries, head signed by ${head.fingerprint}`,
    };
  }

  // ---- The page ----
  const format = (template, ...args) => (template ?? "").replace(/\{(\d+)\}/g, (m, n) => String(args[Number(n)]));

  function render(box, result) {
    const texts = JSON.parse(box.getAttribute("data-texts") || "{}");
    const t = (name, ...args) => format(texts[name], ...args);
    const short = (fp) => fp.slice(0, 16) + "…";
    box.hidden = false;
    box.setAttribute("data-browser-verifies", result.verifies ? "true" : "false");
    box.setAttribute("data-browser-broken-entry", result.brokenEntry === null ? "" : String(result.brokenEntry));
    const verdict = box.querySelector("[data-browser-verdict]");
    const summary = box.querySelector("[data-browser-summary]");
    const list = box.querySelector("[data-browser-checked]");
    const message = box.querySelector("[data-browser-message]");
    message.textContent = result.message;
    list.replaceChildren();
    const item = (line) => { const li = document.createElement("li"); li.textContent = line; list.appendChild(li); };
    if (result.verifies) {
      verdict.textContent = "✓ " + t("ok");
      summary.textContent = result.organisations === 1
        ? t("summaryOne", result.passkeyOrganisations)
        : t("summary", result.organisations, result.passkeyOrganisations);
      item(t("checkedDocument", short(result.documentHash)));
      item(t("checkedChain", result.entries));
      item(t("checkedPasskeys", result.passkeys));
      item(t("checkedHead", result.headSequence, short(result.keyFingerprint)));
      item(t("checkedKeys", result.keys));
    } else {
      verdict.textContent = "✗ " + t("broken");
      summary.textContent = result.brokenEntry === null ? t("brokenElsewhere") : t("brokenAt", result.brokenEntry);
    }
  }

  async function readLedger(box) {
    const embedded = document.getElementById("delphi-ledger");
    if (embedded) return JSON.parse(embedded.textContent);
    const response = await fetch(box.getAttribute("data-ledger-url"), { headers: { Accept: "application/json" }, cache: "no-store" });
    if (!response.ok) throw new Error(`the ledger could not be fetched (HTTP ${response.status})`);
    return JSON.parse(await response.text());
  }

  async function run() {
    const boxes = Array.from(document.querySelectorAll("[data-browser-check]"));
    if (boxes.length === 0) return;
    if (!window.crypto || !crypto.subtle) {
      boxes.forEach((box) => {
        box.hidden = false;
        box.setAttribute("data-browser-verifies", "unavailable");
        box.querySelector("[data-browser-verdict]").textContent = JSON.parse(box.getAttribute("data-texts") || "{}").noCrypto || "";
      });
      return;
    }
    const trusted = (boxes[0].getAttribute("data-trusted-keys") || "").split(/\s+/).filter(isHash);
    let result;
    try {
      result = await verify(await readLedger(boxes[0]), trusted);
    } catch (e) {
      result = broken(0, null, "ledger: cannot be checked (" + (e && e.message ? e.message : String(e)) + ")");
    }
    boxes.forEach((box) => render(box, result));
  }

  window.DelphiLedgerCheck = { verify, canonical };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
