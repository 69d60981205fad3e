'use strict'
// The NestJS example's module, in plain JavaScript (`Module({...})(AppModule)` is what `@Module({...})` compiles
// to): nestjs-pino's LoggerModule with the mixin and the transport in `pinoHttp`, and the jobs controller.
const { Module } = require('@nestjs/common')
const { LoggerModule } = require('nestjs-pino')
const { userIdMixin } = require('redis-log-transport')
const { JobsController } = require('./jobs.controller')

// REDIS_URL: set by main.js (yours, or the private redis-server it started).
const options = { url: process.env.REDIS_URL, history: true }
// By path: pino resolves a target's name from nestjs-pino's and pino-http's own files, which need not see this package.
const target = require.resolve('redis-log-transport')

class AppModule {}
Module({
  imports: [LoggerModule.forRoot({ pinoHttp: { mixin: userIdMixin, transport: { target, options } } })],
  controllers: [JobsController]
})(AppModule)

module.exports = { AppModule }
