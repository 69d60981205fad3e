/**
 * Throwaway certificates for TLS tests, made with the openssl command at test time: a CA, a server certificate it
 * signs for 127.0.0.1 and localhost, and an unrelated second CA that must not be trusted.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Certificates {
  /** Files for redis-server. */
  server: { cert: string, key: string, ca: string }
  /** PEM text of the CA that signed the server's certificate. */
  caPem: string
  /** PEM text of a CA that did not. */
  otherCaPem: string
  remove: () => void
}

function openssl (args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new Error('the openssl command is missing (Debian: apt-get install -y openssl)')
    throw error
  }
}

function makeCa (dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.pem`], dir)
}

export function makeCertificates (): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'rlt-tls-'))
  makeCa(dir, 'test-ca')
  makeCa(dir, 'other-ca')
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], dir)
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'test-ca.pem', '-CAkey', 'test-ca.key', '-CAcreateserial',
    '-days', '1', '-extfile', 'server.ext', '-out', 'server.pem'], dir)
  return {
    server: { cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), ca: join(dir, 'test-ca.pem') },
    caPem: readFileSync(join(dir, 'test-ca.pem'), 'utf8'),
    otherCaPem: readFileSync(join(dir, 'other-ca.pem'), 'utf8'),
    remove: () => { rmSync(dir, { recursive: true, force: true }) }
  }
}
