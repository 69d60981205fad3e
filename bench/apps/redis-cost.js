'use strict'
// Where the server's CPU per line goes: the same 1 000 lines of about 150 bytes, each for a job channel and the
// global channel, sent CALLS times in each of these ways, one call at a time, the server's CPU (INFO used_cpu_sys +
// used_cpu_user) read before and after each way, per line:
//   - the transport's batch script, arguments as the worker encodes them (what the transport costs the server);
//   - the same arguments to a script that only reads them (the cost of the call and of its arguments);
//   - a script that runs redis.call('PUBLISH') 2 000 times on arguments it already has (PUBLISH from Lua);
//   - PUBLISH in an ioredis pipeline, two per line (the reference).
// Prints one JSON line: { "<way>": µs per line, ... }. Usage: node redis-cost.js URL [CALLS]
const Redis = require('ioredis').default
const { DIST } = require('./variants')
const { encodeScriptBatch, PUBLISH_BATCH_LUA } = require(`${DIST}/worker/batch-script`)
const { ScriptCall } = require(`${DIST}/worker/script-call`)

const [url, callsText = '300'] = process.argv.slice(2)
const CALLS = Number(callsText)
const LINES = 1000
const TEXT = 'request handled by the image resizer with the usual parameters'
const channels = ['logs:job_bench_0001', 'logs:global']
const lines = Array.from({ length: LINES }, (_, i) => JSON.stringify({
  level: 30, time: Date.now(), pid: process.pid, hostname: 'bench', userId: 'job_bench_0001', i, msg: TEXT
}))
const batch = lines.map((line) => ({ line, channels }))

async function serverCpu (redis) {
  const info = await redis.info('cpu')
  const read = (key) => Number(new RegExp(`${key}:([\\d.]+)`).exec(info)?.[1] ?? 0)
  return read('used_cpu_sys') + read('used_cpu_user')
}

async function perLine (redis, send) {
  for (let i = 0; i < 20; i++) await send() // warm-up: scripts loaded, buffers grown
  const before = await serverCpu(redis)
  for (let i = 0; i < CALLS; i++) await send()
  return (await serverCpu(redis) - before) * 1e6 / (CALLS * LINES)
}

async function main () {
  const redis = new Redis(url)
  const script = new ScriptCall(PUBLISH_BATCH_LUA)
  const readOnly = new ScriptCall('local n = 0\nfor j = 1, #ARGV do n = n + #ARGV[j] end\nreturn n')
  const fromLua = `local a, b, c = ARGV[1], ARGV[2], ARGV[3]\nfor j = 1, ${LINES} do redis.call('PUBLISH', a, c) redis.call('PUBLISH', b, c) end\nreturn 0`
  const ways = {
    'the transport\'s script': () => script.call(redis, encodeScriptBatch([], batch)),
    'a script that only reads the same arguments': () => readOnly.call(redis, encodeScriptBatch([], batch)),
    '2 000 redis.call(\'PUBLISH\') from Lua, no arguments to read': () => redis.eval(fromLua, 0, channels[0], channels[1], lines[0]),
    'pipelined PUBLISH, two per line': () => {
      const pipeline = redis.pipeline()
      for (const line of lines) pipeline.publish(channels[0], line).publish(channels[1], line)
      return pipeline.exec()
    }
  }
  const result = {}
  for (const [name, send] of Object.entries(ways)) result[name] = await perLine(redis, send)
  redis.disconnect()
  process.stdout.write(JSON.stringify(result) + '\n')
}

main().catch((error) => { console.error(error); process.exit(1) })
