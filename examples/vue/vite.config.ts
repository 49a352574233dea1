import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// Served by the example backend at /vue/ (it creates the widget sessions); `vite build` only.
// `isCustomElement`: Vue renders `<titan-*>` tags as elements instead of resolving components.
export default defineConfig({
  base: '/vue/',
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag.startsWith('titan-') } } })],
});
