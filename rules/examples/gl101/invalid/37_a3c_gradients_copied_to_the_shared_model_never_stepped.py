# An A3C worker backpropagates through its local copy of the network and hands the local
# gradients to the shared model, whose optimizer must then step. The step was lost: the
# shared weights never move, and every worker reloads them unchanged.
import torch
import torch.optim as optim


def train(global_model: torch.nn.Module, local_model: torch.nn.Module, env):
    optimizer = optim.Adam(global_model.parameters(), lr=1e-3)
    for episode in range(100):
        loss = local_model(env.sample()).mean()
        optimizer.zero_grad()
        loss.backward()  # GL101
        for global_param, local_param in zip(global_model.parameters(), local_model.parameters()):
            global_param._grad = local_param.grad
        local_model.load_state_dict(global_model.state_dict())
