/**
 * Pure: a batch as one call of a small Lua script (EVALSHA) that runs PUBLISH, and with history XADD, for every
 * line and channel (and keeps the index of recent jobs): the scripts, the compact arguments a batch becomes (encoded
 * once, see resp-writer.ts), and what the script's reply means for each line. One ioredis command per batch instead
 * of one per PUBLISH is most of the CPU a pipeline costs the worker, and each line crosses the socket once, whatever
 * its number of channels.
 */
import { HISTORY_FIELD } from '../shared/history'
import type { PublishResult } from './batch'
import { RespWriter, type EncodedArguments } from './resp-writer'
import type { Entry } from './route'

/**
 * Both scripts take the batch the same compact way, so that a line crosses the socket once however many channels
 * it goes to, as one argument: first the batch's distinct channel lists (how many, then for each its length and its
 * channels), then the route (a string of one byte per line, or two, big-endian, when the batch has more than 255
 * lists: the number of the line's list, from 1; its width comes first, as an argument of its own), then the lines.
 * The lines of one job share one list (see route.ts), so a batch has few of them. `forEachChannelOfEachLine(first,
 * body)` reads that from `ARGV[first]` on and runs `body` with `channel`, `line` and `n`, the number of the PUBLISH
 * (from 1, counting every line's channels in order), which is how the scripts report what failed.
 */
const forEachChannelOfEachLine = (first: number, body: string): string => `local lists = {}
local i = ${first + 1}
for l = 1, tonumber(ARGV[${first}]) do
  local length = tonumber(ARGV[i])
  local list = {}
  for c = 1, length do list[c] = ARGV[i + c] end
  lists[l] = list
  i = i + length + 1
end
local width, route, byte = tonumber(ARGV[i]), ARGV[i + 1], string.byte
local n = 0
for j = i + 2, #ARGV do
  local at = (j - i - 2) * width + 1
  local number = byte(route, at)
  if width == 2 then number = number * 256 + byte(route, at + 1) end
  local list, line = lists[number], ARGV[j]
  for c = 1, #list do
    n = n + 1
    local channel = list[c]
${body}
  end
end`

/** Runs PUBLISH for every line and each of its channels; the reply lists each failed PUBLISH's `n` and its error. */
export const PUBLISH_BATCH_LUA = `local refused = {}
${forEachChannelOfEachLine(1, `    local reply = redis.pcall('PUBLISH', channel, line)
    if type(reply) == 'table' and reply.err then
      refused[#refused + 1] = n
      refused[#refused + 1] = reply.err
    end`)}
return refused`

/**
 * The same with history: ARGV starts with MAXLEN, the key prefix, the global channel ('' for none), the job TTL, the
 * global TTL, the jobs index key, its size (maxJobs) and the channel prefix; each PUBLISH follows its XADD, and a
 * failed XADD is reported with its `n` negated. Each line only notes its job's newest id; after the batch, each job
 * gets one ZADD in the index (score: the ms of that id), which then keeps its newest maxJobs members, drops those
 * older than the job TTL (counted from the batch's newest id: the server's clock) and gets its TTL. A failed
 * EXPIRE or index command is reported with `n` 0: history trouble that touches no line.
 */
export const PUBLISH_BATCH_WITH_HISTORY_LUA = `local maxlen, prefix, global, jobTtl, globalTtl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local index, maxJobs, skip = ARGV[6], tonumber(ARGV[7]), #ARGV[8] + 2
local refused = {}
local kept = {}
local newest = {}
local function trouble (reply)
  if type(reply) == 'table' and reply.err then
    refused[#refused + 1] = 0
    refused[#refused + 1] = reply.err
  end
end
${forEachChannelOfEachLine(9, `    local key = prefix .. channel
    local added = redis.pcall('XADD', key, 'MAXLEN', '~', maxlen, '*', '${HISTORY_FIELD}', line)
    if type(added) == 'table' and added.err then
      refused[#refused + 1] = -n
      refused[#refused + 1] = added.err
    else
      if not kept[key] then
        kept[key] = true
        trouble(redis.pcall('EXPIRE', key, channel == global and globalTtl or jobTtl))
      end
      if channel ~= global then newest[channel] = added end
    end
    local reply = redis.pcall('PUBLISH', channel, line)
    if type(reply) == 'table' and reply.err then
      refused[#refused + 1] = n
      refused[#refused + 1] = reply.err
    end`)}
local latest = -1
for channel, id in pairs(newest) do
  local ms = string.match(id, '^%d+')
  if tonumber(ms) > latest then latest = tonumber(ms) end
  trouble(redis.pcall('ZADD', index, ms, string.sub(channel, skip)))
end
if latest >= 0 then
  trouble(redis.pcall('ZREMRANGEBYRANK', index, 0, -(maxJobs + 1)))
  trouble(redis.pcall('ZREMRANGEBYSCORE', index, '-inf', '(' .. string.format('%d', latest - tonumber(jobTtl) * 1000)))
  trouble(redis.pcall('EXPIRE', index, jobTtl))
end
return refused`

/**
 * Matches the script's list of refusals (number of the PUBLISH from 1, counting every line's channels in order;
 * error; ...; a negative number for a failed XADD, 0 for a failed EXPIRE or jobs index command) to lines. A line one
 * of whose channels refused the PUBLISH counts as rejected.
 */
export function readScriptReplies (batch: readonly Entry[], refusals: readonly unknown[], toError: (message: string) => Error): PublishResult {
  if (refusals.length === 0) return { published: batch.length, rejected: 0, retry: [], historyFailed: 0 }
  const refused = new Set<number>()
  const notKept = new Set<number>()
  const result: PublishResult = { published: 0, rejected: 0, retry: [], historyFailed: 0 }
  for (let i = 0; i < refusals.length; i += 2) {
    const number = Number(refusals[i])
    if (number === 0) result.historyError ??= toError(String(refusals[i + 1]))
    else if (number < 0) {
      notKept.add(-number)
      result.historyError ??= toError(String(refusals[i + 1]))
    } else {
      refused.add(number)
      result.error ??= toError(String(refusals[i + 1]))
    }
  }
  let number = 0
  for (const entry of batch) {
    let rejected = false
    let historyFailed = false
    for (let c = 0; c < entry.channels.length; c++) {
      number++
      if (refused.has(number)) rejected = true
      if (notKept.has(number)) historyFailed = true
    }
    if (rejected) result.rejected++
    else {
      result.published++
      if (historyFailed) result.historyFailed++
    }
  }
  return result
}

/** Room kept before the arguments for an EVALSHA's header (`*<count>`, `evalsha`, the SHA-1, `0` keys). */
export const EVALSHA_HEADER_ROOM = 96

/**
 * A script call's arguments after its number of keys, encoded once: `fixed` (the script's settings), then the batch
 * in the scripts' compact form (the distinct channel lists, the route, the lines). Lists are told apart by identity:
 * the router hands every line of a job the same list, and an equal list that is not the same object only costs a
 * few bytes more.
 */
export function encodeScriptBatch (fixed: ReadonlyArray<string | number>, batch: readonly Entry[]): EncodedArguments {
  const numbers = new Map<readonly string[], number>()
  const lists: Array<readonly string[]> = []
  let text = 0
  for (const entry of batch) {
    text += entry.line.length
    if (!numbers.has(entry.channels)) {
      lists.push(entry.channels)
      numbers.set(entry.channels, lists.length)
    }
  }
  const width = lists.length > 255 ? 2 : 1
  // Lines as long in bytes as in characters (ASCII) fit at once; the writer grows for the others.
  const writer = new RespWriter(EVALSHA_HEADER_ROOM, text + 16 * batch.length + width * batch.length + 1024)
  for (const value of fixed) {
    if (typeof value === 'number') writer.number(value)
    else writer.string(value)
  }
  writer.number(lists.length)
  for (const list of lists) {
    writer.number(list.length)
    for (const channel of list) writer.string(channel)
  }
  writer.number(width)
  const route = Buffer.allocUnsafe(batch.length * width)
  batch.forEach((entry, index) => {
    const number = numbers.get(entry.channels) as number
    if (width === 1) route[index] = number
    else route.writeUInt16BE(number, 2 * index)
  })
  writer.bytes(route)
  for (const entry of batch) writer.string(entry.line)
  return writer.finish()
}
