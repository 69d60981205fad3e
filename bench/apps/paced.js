'use strict'
// Logs at a steady RATE (lines per second) for SECONDS through VARIANT, each line stamped with `t` (the time of
// the log call, see subscriber.js), then ends on its own. Reports { sent, elu, peakRssMb, stats } on stdout:
// main-thread event-loop utilization over the logging window, the peak RSS sampled every 50 ms, and the
// transport's closing figures when it has them. Usage: node paced.js VARIANT URL RATE SECONDS [OPTIONS_JSON]
const { closeTransport } = require('../../dist/index.js')
const { pinoLogger } = require('./variants')
const [variant, url, rateText, secondsText, optionsText = '{}'] = process.argv.slice(2)
const rate = Number(rateText)
const seconds = Number(secondsText)
const { logger, transport } = pinoLogger(variant, url, JSON.parse(optionsText))
const TEXT = 'request handled by the image resizer with the usual parameters'

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
  const start = performance.now()
  const elu = performance.eventLoopUtilization()
  let sent = 0
  const total = rate * seconds
  // Every millisecond, log the lines due by now; the schedule is kept against the clock, not the timer.
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate))
    while (sent < due) {
      logger.info({ t: performance.timeOrigin + performance.now(), i: sent }, TEXT)
      sent++
    }
    if (sent === total) {
      clearInterval(timer)
      const used = performance.eventLoopUtilization(elu)
      closeTransport(transport).then((stats) => {
        clearInterval(sampler)
        process.stdout.write(JSON.stringify({ sent, elu: used.utilization, peakRssMb: peakRss / 2 ** 20, rssTimeline, stats: stats ?? finalStats }) + '\n')
      })
    }
  }, 1)
})
