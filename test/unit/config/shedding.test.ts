import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('the load-shedding settings', () => {
  it('are off by default, watching the event-loop delay once turned on', () => {
    expect(loadConfig({}).shedding).toEqual({
      enabled: false,
      eventLoopDelayMs: 50,
      maxInFlight: 0,
      coolDownMs: 2000,
    });
    expect(loadConfig({ TOLLGATE_SHED: 'true' }).shedding.enabled).toBe(true);
  });

  it('refuse shedding that watches nothing', () => {
    const env = { TOLLGATE_SHED: 'true', TOLLGATE_SHED_EVENT_LOOP_DELAY_MS: '0' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/TOLLGATE_SHED is on but watches nothing/);
    // Off, the marks are not checked: turning it off is one setting.
    expect(loadConfig({ ...env, TOLLGATE_SHED: 'false' }).shedding.enabled).toBe(false);
  });

  it.each([
    [{ TOLLGATE_SHED_MAX_IN_FLIGHT: '-1' }, /TOLLGATE_SHED_MAX_IN_FLIGHT/],
    [{ TOLLGATE_SHED_EVENT_LOOP_DELAY_MS: '1.5' }, /TOLLGATE_SHED_EVENT_LOOP_DELAY_MS/],
    [{ TOLLGATE_SHED_COOL_DOWN_MS: 'soon' }, /TOLLGATE_SHED_COOL_DOWN_MS/],
    [{ TOLLGATE_SHED: 'yes please' }, /TOLLGATE_SHED must be true or false/],
  ])('refuses %j, naming it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
