"""What services, the scheduler and workers share (torch-free): run and job states and their moves,
claims, worker requests and the process context."""
