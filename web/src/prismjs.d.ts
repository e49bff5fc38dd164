declare module "prismjs/components/*";
