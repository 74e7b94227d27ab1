// `REGISTRY=registry.example:5000 npm run ship`: tags the images `npm run images` built as
// $REGISTRY/trio-shop/<service>:<git short sha> and :latest, and pushes them. Compose then runs
// them with IMAGE_REGISTRY=$REGISTRY TAG=<sha> docker compose up; the Kubernetes overlays name them.
import { gitShortSha, shipImages } from '../src/images.ts';

const registry = process.env.REGISTRY;
if (registry === undefined || registry === '') {
  console.error('ship: set REGISTRY to the registry to push to, e.g. REGISTRY=127.0.0.1:5000 npm run ship');
  process.exit(1);
}
await shipImages(registry, gitShortSha(), (line) => console.log(`ship: ${line}`));
