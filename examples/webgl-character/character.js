// Wren, drawn with three.js: simple geometry, an idle animation (breathing, swaying, blinking) and a
// mouth that moves while she talks. Nothing here knows about Keepsake.
import * as THREE from "three";

/** Renders Wren into `canvas` until the page closes; `talk(text)` moves her mouth for about as long as the line takes. */
export function createCharacter(canvas) {
  const renderer = new THREE.WebGLRenderer({ canvas, antialias: true });
  renderer.setPixelRatio(Math.min(devicePixelRatio, 2));
  const scene = new THREE.Scene();
  scene.background = new THREE.Color("#1d2433");
  const camera = new THREE.PerspectiveCamera(32, 1, 0.1, 50);
  camera.position.set(0, 1.5, 5.2);
  camera.lookAt(0, 1.2, 0);
  scene.add(new THREE.HemisphereLight("#d6e6ff", "#3a2f28", 1.8));
  const sun = new THREE.DirectionalLight("#fff0d8", 2.4);
  sun.position.set(2, 4, 3);
  scene.add(sun);

  const material = (color) => new THREE.MeshStandardMaterial({ color, roughness: 0.65 });
  const mesh = (geometry, color, [x, y, z] = [0, 0, 0], parent = scene) => {
    const m = new THREE.Mesh(geometry, material(color));
    m.position.set(x, y, z);
    parent.add(m);
    return m;
  };

  const ground = mesh(new THREE.CircleGeometry(1.3, 48), "#2b3850");
  ground.rotation.x = -Math.PI / 2;
  const figure = new THREE.Group();
  scene.add(figure);
  mesh(new THREE.CapsuleGeometry(0.42, 0.55, 8, 24), "#2f8f83", [0, 0.75, 0], figure); // body
  const scarf = mesh(new THREE.TorusGeometry(0.28, 0.08, 12, 32), "#e0663a", [0, 1.3, 0], figure);
  scarf.rotation.x = Math.PI / 2;
  const arms = [-1, 1].map((side) => {
    const arm = mesh(new THREE.CapsuleGeometry(0.1, 0.45, 6, 12), "#2f8f83", [side * 0.52, 0.85, 0], figure);
    arm.rotation.z = side * 0.25;
    return arm;
  });
  const head = new THREE.Group();
  head.position.y = 1.72;
  figure.add(head);
  mesh(new THREE.SphereGeometry(0.4, 32, 24), "#f0c8a0", [0, 0, 0], head);
  mesh(new THREE.CylinderGeometry(0.52, 0.52, 0.04, 40), "#5b3b2a", [0, 0.28, 0], head); // hat brim
  mesh(new THREE.ConeGeometry(0.3, 0.5, 32), "#6d4a35", [0, 0.52, 0], head);
  const eyes = [-1, 1].map((side) => mesh(new THREE.SphereGeometry(0.05, 16, 12), "#1b1b1b", [side * 0.14, 0.04, 0.36], head));
  const mouth = mesh(new THREE.SphereGeometry(0.07, 16, 12), "#7a2630", [0, -0.15, 0.37], head);
  mouth.scale.set(1.6, 0.3, 0.6);

  let talkUntil = 0;
  renderer.setAnimationLoop((now) => {
    const { clientWidth: w, clientHeight: h } = canvas;
    if (canvas.width !== Math.floor(w * renderer.getPixelRatio())) {
      renderer.setSize(w, h, false);
      camera.aspect = w / h;
      camera.updateProjectionMatrix();
    }
    const t = now / 1000;
    const talking = now < talkUntil;
    figure.position.y = Math.sin(t * 2) * 0.03; // breathing
    figure.rotation.y = Math.sin(t * 0.5) * 0.12;
    head.rotation.z = Math.sin(t * 0.9) * 0.05;
    head.rotation.x = talking ? Math.sin(t * 7) * 0.06 : 0;
    arms.forEach((arm, i) => (arm.rotation.x = Math.sin(t * 2 + i * Math.PI) * (talking ? 0.35 : 0.08)));
    mouth.scale.y = talking ? 0.3 + Math.abs(Math.sin(t * 14)) * 0.9 : 0.3;
    for (const eye of eyes) eye.scale.y = t % 3.7 < 0.12 ? 0.15 : 1; // a blink every few seconds
    renderer.render(scene, camera);
  });

  return {
    talk(text) {
      talkUntil = performance.now() + Math.min(4000, 300 + text.length * 45);
    },
  };
}
