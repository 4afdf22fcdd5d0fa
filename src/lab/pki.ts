/**
 * An in-process PKI for the lab: a self-signed ECDSA P-256 CA and the serving and
 * client certificates kube-apiserver setups use (Kubespray's certs are made by
 * kubeadm the same way: one cluster CA signs apiserver and kubelet-client certs).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der.js';

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

export interface KeyPairPem {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

export interface CertificateAuthority extends KeyPairPem {
  name: string;
  privateKey: KeyObject;
  keyId: Buffer;
}

export interface IssueOptions {
  commonName: string;
  organization?: string;
  /** DNS names and IP addresses for subjectAltName; IPs are recognised by form. */
  altNames?: string[];
  usage: 'server' | 'client' | 'both';
  days?: number;
}

function name(cn: string, org?: string): Buffer {
  const rdn = (type: string, value: string) =>
    der.set(der.sequence(der.oid(type), der.utf8String(value)));
  return der.sequence(...(org ? [rdn(OID.organization, org)] : []), rdn(OID.commonName, cn));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(
    der.oid(id),
    ...(critical ? [der.boolean(true)] : []),
    der.octetString(value),
  );
}

function toPem(label: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

interface Signed {
  pem: string;
  keyId: Buffer;
}

function build(
  subject: Buffer,
  issuer: Buffer,
  spki: Buffer,
  signer: KeyObject,
  days: number,
  extensions: Buffer[],
): Signed {
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  const algorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
  const keyId = createHash('sha1').update(spki).digest();
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.integer(serial),
    algorithm,
    issuer,
    der.sequence(der.time(new Date(now - 3600_000)), der.time(new Date(now + days * 86400_000))),
    subject,
    spki,
    der.explicit(3, der.sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, signer); // DER-encoded ECDSA signature
  const cert = der.sequence(tbs, algorithm, der.bitString(signature));
  return { pem: toPem('CERTIFICATE', cert), keyId };
}

function newKey(): { privateKey: KeyObject; spki: Buffer; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function createCa(commonName = 'kubeha-lab-ca', days = 3650): CertificateAuthority {
  const k = newKey();
  const subject = name(commonName);
  const keyId = createHash('sha1').update(k.spki).digest();
  const { pem } = build(subject, subject, k.spki, k.privateKey, days, [
    extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
    // keyCertSign (bit 5) | cRLSign (bit 6): 0b0000_0110, one unused bit.
    extension(OID.keyUsage, true, der.bitString(Buffer.from([0x06]), 1)),
    extension(OID.subjectKeyId, false, der.octetString(keyId)),
  ]);
  return { name: commonName, cert: pem, key: k.pem, privateKey: k.privateKey, keyId };
}

export function issueCertificate(ca: CertificateAuthority, opts: IssueOptions): KeyPairPem {
  const k = newKey();
  const purposes = {
    server: [OID.serverAuth],
    client: [OID.clientAuth],
    both: [OID.serverAuth, OID.clientAuth],
  }[opts.usage];
  const sans = (opts.altNames ?? []).map((n) =>
    isIP(n) ? der.implicit(7, der.ipBytes(n)) : der.implicit(2, Buffer.from(n, 'ascii')),
  );
  const extensions = [
    extension(OID.basicConstraints, true, der.sequence()),
    // digitalSignature (bit 0), seven unused bits: what an ECDSA TLS key needs.
    extension(OID.keyUsage, true, der.bitString(Buffer.from([0x80]), 7)),
    extension(OID.extKeyUsage, false, der.sequence(...purposes.map((p) => der.oid(p)))),
    extension(OID.authorityKeyId, false, der.sequence(der.implicit(0, ca.keyId))),
  ];
  if (sans.length > 0) extensions.push(extension(OID.subjectAltName, false, der.sequence(...sans)));
  const { pem } = build(
    name(opts.commonName, opts.organization),
    name(ca.name),
    k.spki,
    ca.privateKey,
    opts.days ?? 365,
    extensions,
  );
  return { cert: pem, key: k.pem };
}
