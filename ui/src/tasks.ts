/**
 * The tasks the server trains, as it declares them (``GET /tasks``, ``common/tasks.py``): what a task's
 * truth and predictions are (``target``), the images of one sample (``inputs``) and its name in words
 * (``title``). The pages draw and word a task by these, never by its name, so a new task with a known
 * target needs nothing here.
 */
import { useQuery } from "@tanstack/react-query";
import { api } from "./api";
import { capitalised } from "./format";
import { keys } from "./queries";
import type { Schemas } from "./types";

export type TaskInfo = Schemas["TaskInfo"];
/** What a task's truth and predictions are: a class, boxes, a class-index mask, a change mask, or
 * objects with a box and a mask each. */
export type Target = TaskInfo["target"];

/** Every task the server trains, read once a session (the server declares them at start). */
export function useTasks() {
  return useQuery({
    queryKey: keys.tasks,
    queryFn: () => api<Schemas["TaskList"]>("/api/v1/tasks").then((list) => list.items),
    staleTime: Infinity,
  });
}

/** One task's spec; undefined while the tasks load, or for a task the server does not declare. */
export function useTask(name: string | null | undefined): TaskInfo | undefined {
  return useTasks().data?.find((task) => task.name === name);
}

/** A task's target, from the specs; undefined when the task is not among them. */
export function targetOf(tasks: TaskInfo[] | undefined, name: string): Target | undefined {
  return tasks?.find((task) => task.name === name)?.target;
}

/** Targets whose predictions are scored objects: a score threshold decides which are kept. */
export function hasObjects(target: Target | undefined): boolean {
  return target === "boxes" || target === "instances";
}

/** Targets drawn as masks over their images (class masks, change masks, objects' masks). */
export function hasMasks(target: Target | undefined): boolean {
  return target === "mask" || target === "change" || target === "instances";
}

/** A task's title ("Instance segmentation"); until the tasks are known, its name in words. */
export function useTaskTitle(): (name: string) => string {
  const tasks = useTasks();
  return (name) => tasks.data?.find((task) => task.name === name)?.title ?? fallbackTitle(name);
}

function fallbackTitle(name: string): string {
  return capitalised(name.replace(/_/g, " "));
}
