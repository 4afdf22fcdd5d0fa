import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  renderTemplate,
  truthy,
  UndefinedInTemplate,
  UnsupportedTemplate,
  type Lookup,
} from '../../src/kubespray/template.js';

const vars: Record<string, unknown> = {
  ip: '10.0.0.1',
  port: 6443,
  lb: { address: '10.0.0.10', port: 8443 },
  empty: '',
};
const lookup: Lookup = (n) =>
  n in vars ? { defined: true, value: vars[n] as never } : { defined: false };

test('{{ var }} keeps the type of a lone expression; text makes a string', () => {
  assert.equal(renderTemplate('{{ port }}', lookup), 6443);
  assert.equal(renderTemplate('{{ip}}', lookup), '10.0.0.1');
  assert.equal(renderTemplate('https://{{ ip }}:{{ port }}', lookup), 'https://10.0.0.1:6443');
  assert.equal(renderTemplate('{{ lb.address }}', lookup), '10.0.0.10');
  assert.equal(renderTemplate("{{ lb['port'] }}", lookup), 8443);
});

test('default() / d() apply to undefined, and to falsy values with true', () => {
  assert.equal(renderTemplate('{{ nope | default(7443) }}', lookup), 7443);
  assert.equal(renderTemplate("{{ nope | d('x') }}", lookup), 'x');
  assert.equal(renderTemplate('{{ nope | default(port) }}', lookup), 6443);
  assert.equal(renderTemplate('{{ empty | default("y") }}', lookup), '');
  assert.equal(renderTemplate('{{ empty | default("y", true) }}', lookup), 'y');
  assert.equal(renderTemplate('{{ lb.nope | default(false) }}', lookup), false);
});

test('anything else is refused, undefined names reported', () => {
  assert.throws(() => renderTemplate('{{ port + 1 }}', lookup), UnsupportedTemplate);
  assert.throws(() => renderTemplate('{{ ip | ipwrap }}', lookup), UnsupportedTemplate);
  assert.throws(() => renderTemplate('{% if x %}a{% endif %}', lookup), UnsupportedTemplate);
  assert.throws(() => renderTemplate('{{ missing }}', lookup), UndefinedInTemplate);
});

test('Jinja truthiness: the string "false" is true', () => {
  assert.equal(truthy('false'), true);
  assert.equal(truthy(''), false);
  assert.equal(truthy(0), false);
  assert.equal(truthy([]), false);
  assert.equal(truthy({}), false);
  assert.equal(truthy(null), false);
});
