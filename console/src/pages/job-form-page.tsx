import { JobForm } from '../jobs/job-form';

export function JobFormPage() {
  return (
    <>
      <h1>Create package job</h1>
      <JobForm />
    </>
  );
}
