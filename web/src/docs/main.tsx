import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiReference } from './ApiReference';
import './docs.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from docs.html');
createRoot(root).render(
  <StrictMode>
    <ApiReference />
  </StrictMode>,
);
