'use strict'
// Logs at a steady RATE (lines per second) for SECONDS through VARIANT, each line stamped with `t` (the time of
// the log call, see subscriber.js), then ends on its own. Reports { sent, elu, peakRssMb, stats } on stdout:
// main-thread event-loop utilization over the logging window, the peak RSS sampled every 50 ms, and the
// transport's closing figures when it has them. Usage: node paced.js VARIANT URL RATE SECONDS [OPTIONS_JSON]
const { join } = require('node:path')
const { pinoLogger, DIST } = require('./variants')
const { closeTransport } = require(join(DIST, 'index.js'))
const { pace } = require('./pace')
const [variant, url, rateText, secondsText, optionsText = '{}'] = process.argv.slice(2)
const rate = Number(rateText)
const seconds = Number(secondsText)
const { logger, transport } = pinoLogger(variant, url, JSON.parse(optionsText))

let peakRss = 0
const rssTimeline = [] // [time, MB]: for the outage scenario, which compares before and during
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss()
  peakRss = Math.max(peakRss, rss)
  rssTimeline.push([Math.round(performance.timeOrigin + performance.now()), Math.round(rss / 2 ** 20)])
}, 50)
let finalStats
transport.on('stats', (stats) => { finalStats = stats })

transport.once('ready', () => {
  const elu = performance.eventLoopUtilization()
  pace(logger, rate, seconds, (sent) => {
    const used = performance.eventLoopUtilization(elu)
    closeTransport(transport).then((stats) => {
      clearInterval(sampler)
      process.stdout.write(JSON.stringify({ sent, elu: used.utilization, peakRssMb: peakRss / 2 ** 20, rssTimeline, stats: stats ?? finalStats }) + '\n')
    })
  })
})
