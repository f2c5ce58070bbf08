import { useTaskTitle } from "../tasks";

/** A task's title ("Object detection"), for a table cell or a line of text. */
export function TaskTitle({ name }: { name: string }) {
  return <>{useTaskTitle()(name)}</>;
}
