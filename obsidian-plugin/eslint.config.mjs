// ESLint flat config: the Obsidian community rules (eslint-plugin-obsidianmd), set up as its README recommends.
// `npm run lint` lints src/ only; tests, scripts/ and esbuild.config.mjs are not plugin code.
import { defineConfig } from "eslint/config";
import obsidianmd from "eslint-plugin-obsidianmd";

export default defineConfig([
    // ESLint core + typescript-eslint recommendedTypeChecked + all obsidianmd rules.
    ...obsidianmd.configs.recommended,
    {
        languageOptions: {
            parserOptions: {
                // Type-aware rules need the TS project: the project service picks up tsconfig.json.
                projectService: {
                    // Files outside tsconfig.json (this config) still get a default program.
                    allowDefaultProject: ["eslint.config.*"],
                },
                // Resolve tsconfig.json from this folder, not from wherever eslint is started.
                tsconfigRootDir: import.meta.dirname,
            },
        },
    },
    {
        // "memem" is the product's name and is written in lower case, like "npm".
        rules: { "obsidianmd/ui/sentence-case": ["warn", { brands: ["memem"], enforceCamelCaseLower: true }] },
    },
]);
