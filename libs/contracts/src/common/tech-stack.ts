export const TECH_STACKS = ['JAVA', 'TOMCAT', 'NODEJS', 'PYTHON', 'PHP'] as const;
export type TechStack = (typeof TECH_STACKS)[number];
