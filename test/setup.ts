import { beforeAll } from "vitest";
import { seedDatabase } from "./fixtures.ts";

beforeAll(seedDatabase);
