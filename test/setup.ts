import { beforeAll } from "vitest";
import { seedDatabase } from "./kit/fixtures.ts";

beforeAll(seedDatabase);
