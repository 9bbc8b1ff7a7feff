"""The Batch API's own example script (../shared/seeds/), changed only where it must be:
host, key, agent, file and schedule time come from the environment, the poll
interval is shorter, errors propagate instead of being printed and swallowed
(so a failure fails the test), and the executions are printed as JSON.
"""
import asyncio
import json
import os
from dotenv import load_dotenv
import aiohttp

# Load environment variables from .env file
load_dotenv()

host = os.environ["SEED_HOST"]
api_key = os.getenv("api_key", None)
agent_id = os.environ["SEED_AGENT_ID"]
file_path = os.environ["SEED_FILE_PATH"]
schedule_time = os.environ["SEED_SCHEDULE_TIME"]
poll_seconds = float(os.environ.get("SEED_POLL_SECONDS", "60"))


async def schedule_batch(api_key, agent_id, batch_id=None, scheduled_at=None):
    print("now scheduling batch for batch id : {}".format(batch_id))
    url = f"{host}/batches/schedule"
    headers = {'Authorization': f'Bearer {api_key}'}
    data = {
        'agent_id': agent_id,
        'batch_id': batch_id,
        'scheduled_at': scheduled_at
    }

    async with aiohttp.ClientSession() as session:
        async with session.post(url, headers=headers, data=data) as response:
            response_data = await response.json()
            if response.status == 200:
                return response_data
            else:
                raise Exception(f"Error scheduling batch: {response_data}")


async def get_batch_status(api_key, agent_id, batch_id=None):
    print("now getting batch status for batch id : {}".format(batch_id))
    url = f"{host}/batches/{agent_id}/{batch_id}"
    headers = {'Authorization': f'Bearer {api_key}'}

    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers) as response:
            response_data = await response.json()
            if response.status == 200:
                return response_data
            else:
                raise Exception(f"Error getting batch status: {response_data}")


async def get_batch_executions(api_key, agent_id, batch_id=None):
    print("now getting batch executions for batch id : {}".format(batch_id))
    url = f"{host}/batches/{agent_id}/{batch_id}/executions"
    headers = {'Authorization': f'Bearer {api_key}'}

    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers) as response:
            response_data = await response.json()
            if response.status == 200:
                return response_data
            else:
                raise Exception(f"Error getting batch executions: {response_data}")


async def create_batch():
    url = f"{host}/batches"
    headers = {'Authorization': f'Bearer {api_key}'}

    with open(file_path, 'rb') as f:
        form_data = aiohttp.FormData()
        form_data.add_field('agent_id', agent_id)
        form_data.add_field('file', f, filename=os.path.basename(file_path), content_type='application/octet-stream')

        async with aiohttp.ClientSession() as session:
            async with session.post(url, headers=headers, data=form_data) as response:
                response_data = await response.json()
                if response_data.get('state') == 'created':
                    batch_id = response_data.get('batch_id')
                    res = await schedule_batch(api_key, agent_id, batch_id, scheduled_at=schedule_time)
                    if res.get('state') == 'scheduled':
                        check = True
                        while check:
                            await asyncio.sleep(poll_seconds)
                            res = await get_batch_status(api_key, agent_id, batch_id)
                            if res.get('status') == 'completed':
                                check = False
                                break
                    if not check:
                        res = await get_batch_executions(api_key, agent_id, batch_id)
                        print("EXECUTIONS " + json.dumps(res))
                        return res


if __name__ == "__main__":
    asyncio.run(create_batch())
