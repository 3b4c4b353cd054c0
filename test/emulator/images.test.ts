// The emulator's image registry (images.ts) on its own: reference parsing, content digests, moving tags, what a pull
// gives (containerd's imageID form, or its not-found error), and which references are not the registry's business.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { contentDigest, ImageRegistry, parseImageRef, REGISTRY_HOST } from './images';

test('image references split like containerd parses them (host, repository, tag, digest; docker.io defaults)', () => {
  assert.deepEqual(parseImageRef('fleet.local/checkout/api:2.4'), { repository: 'fleet.local/checkout/api', host: 'fleet.local', tag: '2.4', digest: undefined });
  assert.deepEqual(parseImageRef('fleet.local/checkout/api'), { repository: 'fleet.local/checkout/api', host: 'fleet.local', tag: 'latest', digest: undefined });
  const d = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseImageRef(`fleet.local/checkout/api@${d}`), { repository: 'fleet.local/checkout/api', host: 'fleet.local', tag: undefined, digest: d });
  assert.deepEqual(parseImageRef(`localhost:5000/x:1@${d}`), { repository: 'localhost:5000/x', host: 'localhost:5000', tag: '1', digest: d });
  assert.deepEqual(parseImageRef('busybox:1.36.1-musl'), { repository: 'docker.io/library/busybox', host: 'docker.io', tag: '1.36.1-musl', digest: undefined });
  assert.deepEqual(parseImageRef('bitnami/redis'), { repository: 'docker.io/bitnami/redis', host: 'docker.io', tag: 'latest', digest: undefined });
  assert.equal(parseImageRef('demo.local/standard:12').host, 'demo.local');
});

test('digests come from the content: same base and files → same digest; one file different → another digest', () => {
  const files = [{ path: '/etc/build-info', content: 'VERSION=1\n' }];
  assert.match(contentDigest('standard', files), /^sha256:[0-9a-f]{64}$/);
  assert.equal(contentDigest('standard', files), contentDigest('standard', [{ ...files[0] }]));
  assert.notEqual(contentDigest('standard', files), contentDigest('alpine', files));
  assert.notEqual(contentDigest('standard', files), contentDigest('standard', [{ path: '/etc/build-info', content: 'VERSION=2\n' }]));
  assert.notEqual(contentDigest('standard', files), contentDigest('standard', [{ ...files[0], mode: 0o666 }]), 'a mode is content too');
  assert.equal(contentDigest('standard', [...files, { path: '/a', content: '' }]), contentDigest('standard', [{ path: '/a', content: '' }, ...files]), 'file order does not matter');
});

test('pull: several tags on one digest, a tag that moves, pinned digests, missing tags, other registries', () => {
  const reg = new ImageRegistry([REGISTRY_HOST]);
  const v1 = reg.push('fleet.local/shop/api', 'standard', [{ path: '/etc/build-info', content: 'VERSION=2.4.0\n' }], ['2.4', '2.4.0', 'latest']);
  const a = reg.pull('fleet.local/shop/api:2.4');
  const b = reg.pull('fleet.local/shop/api');
  assert.ok(a && 'imageID' in a && b && 'imageID' in b);
  assert.equal(a.imageID, `fleet.local/shop/api@${v1.digest}`, "containerd's repo digest, no docker-pullable:// prefix");
  assert.equal(b.imageID, a.imageID, 'latest and 2.4 are one digest');
  assert.deepEqual(reg.tagsOf('fleet.local/shop/api', v1.digest).sort(), ['2.4', '2.4.0', 'latest']);

  const v2 = reg.push('fleet.local/shop/api', 'standard', [{ path: '/etc/build-info', content: 'VERSION=2.4.1\n' }], ['2.4', '2.4.1']);
  assert.notEqual(v2.digest, v1.digest);
  const moved = reg.pull('fleet.local/shop/api:2.4');
  assert.ok(moved && 'imageID' in moved);
  assert.equal(moved.imageID, `fleet.local/shop/api@${v2.digest}`, 'the tag moved to the new push');
  assert.deepEqual(reg.tagsOf('fleet.local/shop/api', v1.digest).sort(), ['2.4.0', 'latest']);
  const pinned = reg.pull(`fleet.local/shop/api@${v1.digest}`);
  assert.ok(pinned && 'image' in pinned);
  assert.equal(pinned.image, v1, 'a pinned digest still pulls the old image');
  assert.equal(reg.byImageID(a.imageID), v1);
  assert.equal(reg.byImageID(`docker-pullable://demo.local/standard:12@sha256:${'0'.repeat(64)}`), undefined);

  const missing = reg.pull('fleet.local/shop/api:9.9');
  assert.deepEqual(missing, { error: 'rpc error: code = NotFound desc = failed to pull and unpack image "fleet.local/shop/api:9.9": failed to resolve reference "fleet.local/shop/api:9.9": fleet.local/shop/api:9.9: not found' });
  assert.ok(reg.pull(`fleet.local/other/api@${v1.digest}`) && 'error' in (reg.pull(`fleet.local/other/api@${v1.digest}`) as object), 'a digest exists only in the repository it was pushed to');
  assert.equal(reg.pull('demo.local/standard:12'), undefined, "the built-in demo images are not the registry's");
  assert.equal(reg.pull('busybox:1.36.1-musl'), undefined);
  assert.throws(() => reg.push('docker.io/library/nginx', 'standard', [], ['1']), /not on a host of this registry/);
  assert.deepEqual(reg.list(), [v1, v2]);
});
