/**
 * Container image references as container runtimes parse them
 * (github.com/distribution/reference, grammar in its reference.go):
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *   domain    := host [":" port]   (host: DNS labels, or [IPv6])
 *   path-component := [a-z0-9]+ (separator [a-z0-9]+)*   separator := [_.] | __ | -+
 *   tag       := [\w][\w.-]{0,127}
 *   digest    := algorithm ":" hex (32 or more)
 *
 * The name may be at most 255 characters. Like Kubernetes, the domain is not
 * required (docker.io is implied) and no normalisation is done.
 */
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

/** A tag alone (kubeha_image_tag). */
export function isImageTag(text: string): boolean {
  return new RegExp(`^${TAG}$`).test(text);
}

export interface ImageRef {
  name: string;
  tag?: string;
  digest?: string;
}

/** The parts of a valid reference, or why it is not one. */
export function parseImageRef(text: string): ImageRef | { error: string } {
  if (text === '') return { error: 'it is empty' };
  if (/\s/.test(text)) return { error: 'it contains white space' };
  const m = REFERENCE.exec(text);
  if (!m) {
    if (REFERENCE.test(text.toLowerCase())) {
      return { error: 'repository names must be lowercase' };
    }
    return { error: 'expected [REGISTRY[:PORT]/]NAME[:TAG][@DIGEST]' };
  }
  if (m[1]!.length > 255) return { error: 'the name is longer than 255 characters' };
  return { name: m[1]!, tag: m[2], digest: m[3] };
}
