'use strict'
// One run of the scale-out scenario: logs COUNT lines of about 150 bytes spread over JOBS jobs (job_0 ... by
// turns) through redis-log-transport (`closeTimeout` 9000), then lets the process end on its own. TARGET is a Redis URL, or a JSON list
// of cluster startup nodes; OPTIONS is JSON added to the transport's options (e.g. {"sharded":true}).
// Usage: node spread-burst.js TARGET COUNT JOBS [OPTIONS]
const { join } = require('node:path')
const pino = require('pino')

const [target, countText, jobsText, optionsText = '{}'] = process.argv.slice(2)
const count = Number(countText)
const TEXT = 'request handled by the image resizer with the usual parameters'
const where = target.startsWith('[') ? { cluster: JSON.parse(target) } : { url: target }
// closeTimeout at its maximum, as in burst.js: a cluster on one machine may need more than 3 s to take the lines left.
const transport = pino.transport({ target: join(__dirname, '../../dist/index.js'), options: { ...where, closeTimeout: 9000, ...JSON.parse(optionsText) } })
const root = pino(transport)
const jobs = Array.from({ length: Number(jobsText) }, (_, i) => root.child({ userId: `job_${i}` }))

process.once('exit', () => {
  const { user, system } = process.cpuUsage()
  process.stdout.write(JSON.stringify({ cpuMs: (user + system) / 1000 }) + '\n')
})
for (let i = 0; i < count; i++) jobs[i % jobs.length].info({ i }, TEXT)
