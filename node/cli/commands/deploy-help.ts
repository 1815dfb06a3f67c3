import { SERVER_FLAGS_HELP } from './server-client.js'

export const DEPLOY_HELP = `Usage: fleets deploy <create|list|show|watch|promote|pause|resume|rollback> [options]

Deployments: an app's version rolled out to target devices with a strategy, phase by phase,
rolled back automatically when a trigger fires.

  fleets deploy create --app A [--version V] --target T --strategy S [strategy options] [options]
      create a deployment (operator); prints its id (--json: the record). V defaults to the
      app's artifact version. T is all, group:G, ids:a,b or labels like site=berlin,ring!=0
    canary:       --initial 5% --increment 15% --interval 10m [--validation auto|manual]
                  or --phases FILE: a JSON list like [{"percentage": "5%", "duration": "30m",
                  "validation": "manual"}, {"percentage": "100%", "duration": "1h"}]
    rolling:      --batch-size P% [--max-unavailable P% (default: the batch size)] [--batch-duration 1m]
    blue-green:   [--stage-duration 5m] [--switch-duration 5m] [--staged 100%] [--validation auto|manual]
    all-at-once:  [--duration 10m]
    rollback triggers (repeatable):
      --rollback-on-error 5%        roll back at once when over 5% of devices report errors
      --trigger metric=M,threshold=X[,action=immediate|gradual][,min-samples=N]
                    M is error_rate, crash_loop (thresholds 0.05 or 5%), cpu_usage or a
                    custom metric name the app pushes (threshold in its own unit)
    other options:
      --promote-deadline 2h         roll back if the last phase is not reached by then
                                    (a duration from now, or a time like 2030-01-01T12:00:00Z)
      --rollback-to V               version to return to (default: the last that succeeded)
      --min-samples N               healthy devices a phase needs (default 5)
      --success P%                  targeted devices healthy for success (default 90%)
      --circuit-breaker failures=N,window=D   pause when N devices fail within D
      --inconclusive-max N          evaluations without a verdict before pausing (default 10)
      --evaluation-interval D       time between counted evaluations (default 1m)
      --rollback-timeout D          a rollback not done by then fails (default 1h)
      --gradual-step-timeout D      wait per gradual rollback step (default 10m)
      --id ID                       choose the id (default: assigned by the coordinator)
  fleets deploy list [--app A] [--state S] [--limit N]
      deployments, newest first
  fleets deploy show ID
      status, phase, strategy, triggers, and the devices' reports by step, health and version
  fleets deploy promote|pause|resume|rollback ID [--reason R]
      operator commands: promote passes a manual gate, rollback returns to the previous version
  fleets deploy watch ID [--interval 2s] [--until-done] [--timeout D] [--metrics cpu,memory]
                        [--alert-on 'error_rate>0.01']
      a line per change of state, phase or counts; --until-done stops at succeeded, rolled-back
      or failed, otherwise Ctrl-C stops. Exit 0, or 1 when it rolled back or failed
      (--timeout passed: 1 with FLEET_ERR_DEPLOY_WATCH_TIMEOUT). --metrics adds the latest
      telemetry of the devices running the app (mean and max; cpu, memory, disk, load, any
      metric name); --alert-on prints ALERT firing/resolved when the worst of those devices
      crosses the threshold, and the watch exits 3 if it fired (and the deployment did not fail)

Durations: 30s, 10m, 2h, 1h30m, 500ms. Percentages: 5%, 12.5%.

Options of every subcommand:
${SERVER_FLAGS_HELP}

Exit codes: 0 done, 1 the coordinator refused or could not be reached (the code in brackets
says why: FLEET_ERR_API_INVALID, _FORBIDDEN, _NOT_FOUND, _CONFLICT…), 2 wrong usage.
`
