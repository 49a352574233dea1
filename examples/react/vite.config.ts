import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the example backend at /react/ (it creates the widget sessions); `vite build` only.
export default defineConfig({ base: '/react/', plugins: [react()] });
