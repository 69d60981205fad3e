'use strict'
// The steady schedule of the paced apps: every millisecond, logs the lines due by now through `logger`, each
// stamped with `t` (the time of the log call, read by subscriber.js) and `i` (its number); the schedule is kept
// against the clock, not the timer. Calls `done(sent)` once RATE × SECONDS lines are logged. `pad` lengthens each
// line by its length.
const TEXT = 'request handled by the image resizer with the usual parameters' // keeps a line near 150 bytes

function pace (logger, rate, seconds, done, pad = '') {
  const text = TEXT + pad
  const start = performance.now()
  let sent = 0
  const total = rate * seconds
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate))
    while (sent < due) {
      logger.info({ t: performance.timeOrigin + performance.now(), i: sent }, text)
      sent++
    }
    if (sent === total) {
      clearInterval(timer)
      done(sent)
    }
  }, 1)
}

module.exports = { pace }
